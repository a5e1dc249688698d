using LoaderHarness.Emulator.Devices;
using LoaderHarness.Emulator.Devices.Pci;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Devices.Pci;

/// <summary>Configuration mechanism #1 (PCI Local Bus Specification 3.0 §3.2.2.3.2) as QEMU's hw/pci/pci_host.c decodes it.</summary>
[TestFixture]
public sealed class PciHostBridgeTests
{
    private readonly IoBus _bus = new();
    private readonly PciFunction _function = new PciFunction(0x8086, 0x7010, 0x00, 0x01_0180, 0x00).IoBar(4, 16, 0xC000);

    [SetUp]
    public void Attach() => new PciHostBridge().Add(1, 1, _function).Attach(_bus);

    private static uint Address(int bus, int device, int function, int register) =>
        0x8000_0000u | (uint)(bus << 16 | device << 11 | function << 8 | register);

    [Test]
    public void A_function_answers_at_its_bus_device_and_function()
    {
        _bus.Out(0xCF8, 4, Address(0, 1, 1, 0));
        _bus.In(0xCFC, 4).ShouldBe(0x7010_8086u);
        _bus.In(0xCFE, 2).ShouldBe(0x7010u); // the data port's offset selects the bytes
        _bus.In(0xCFF, 1).ShouldBe(0x70u);
        _bus.In(0xCF8, 4).ShouldBe(Address(0, 1, 1, 0));
    }

    [TestCase(0, 1, 0, TestName = "An absent function reads as all ones")]
    [TestCase(1, 1, 1, TestName = "Another bus reads as all ones")]
    public void Nothing_answers_elsewhere(int bus, int device, int function)
    {
        _bus.Out(0xCF8, 4, Address(bus, device, function, 0));
        _bus.In(0xCFC, 4).ShouldBe(0xFFFF_FFFFu);
        _bus.In(0xCFD, 1).ShouldBe(0xFFu);
    }

    [Test]
    public void With_the_enable_bit_clear_the_data_port_reads_all_ones_and_drops_writes()
    {
        _bus.Out(0xCF8, 4, Address(0, 1, 1, 0x3C) & 0x7FFF_FFFF);
        _bus.In(0xCFC, 4).ShouldBe(0xFFFF_FFFFu);
        _bus.Out(0xCFC, 1, 0x0B);
        _function.Read(0x3C, 1).ShouldBe(0u);
    }

    [Test]
    public void Only_a_32_bit_write_sets_the_address()
    {
        _bus.Out(0xCF8, 4, Address(0, 1, 1, 0));
        _bus.Out(0xCFB, 1, 0x01); // arch/x86/pci/direct.c pci_check_type1 writes a byte there first
        _bus.Out(0xCF8, 2, 0x0010);
        _bus.In(0xCF8, 4).ShouldBe(Address(0, 1, 1, 0));
    }

    [Test]
    public void A_BAR_reads_back_its_size_after_all_ones_and_its_address_after_a_restore()
    {
        _bus.Out(0xCF8, 4, Address(0, 1, 1, PciFunction.Bar0 + 16));
        _bus.In(0xCFC, 4).ShouldBe(0xC001u);
        _bus.Out(0xCFC, 4, 0xFFFF_FFFF);
        _bus.In(0xCFC, 4).ShouldBe(0xFFFF_FFF1u); // 16 ports, I/O space (PCI 3.0 §6.2.5.1)
        _bus.Out(0xCFC, 4, 0xC001);
        _bus.In(0xCFC, 4).ShouldBe(0xC001u);
        _bus.Out(0xCF8, 4, Address(0, 1, 1, PciFunction.Bar0));
        _bus.Out(0xCFC, 4, 0xFFFF_FFFF);
        _bus.In(0xCFC, 4).ShouldBe(0u); // an unimplemented BAR
    }

    [Test]
    public void Read_only_registers_keep_their_value()
    {
        _bus.Out(0xCF8, 4, Address(0, 1, 1, 0));
        _bus.Out(0xCFC, 4, 0);
        _bus.In(0xCFC, 4).ShouldBe(0x7010_8086u);
        _bus.Out(0xCF8, 4, Address(0, 1, 1, PciFunction.Command));
        _bus.Out(0xCFC, 2, 0xFFFF);
        _bus.In(0xCFC, 2).ShouldBe(0x0507u); // I/O, memory, bus master, SERR#, INTx disable (hw/pci/pci.c pci_init_wmask)
    }
}
