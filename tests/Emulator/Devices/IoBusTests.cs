using LoaderHarness.Emulator.Devices;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Devices;

/// <summary>The one bus both architectures use: port-mapped and memory-mapped devices, and what nothing claims.</summary>
[TestFixture]
public class IoBusTests
{
    private sealed class Register32 : IPortDevice, IMmioDevice
    {
        public List<string> Log { get; } = [];

        public uint Read(ushort port, int size)
        {
            Log.Add($"in {port:x} {size}");
            return 0x1234;
        }

        public void Write(ushort port, int size, uint value) => Log.Add($"out {port:x} {size} {value:x}");

        public ulong Read(ulong offset, int size)
        {
            Log.Add($"read {offset:x} {size}");
            return 0x5678;
        }

        public void Write(ulong offset, int size, ulong value) => Log.Add($"write {offset:x} {size} {value:x}");
    }

    [Test]
    public void Ports_reach_the_device_that_claimed_them_with_the_port_number()
    {
        var bus = new IoBus();
        var device = new Register32();
        bus.Register(0x3F8, 8, device);

        bus.In(0x3FD, 1).ShouldBe(0x1234u);
        bus.Out(0x3F8, 1, 0x41);

        device.Log.ShouldBe(["in 3fd 1", "out 3f8 1 41"]);
    }

    [TestCase(1, 0xFFu)]
    [TestCase(2, 0xFFFFu)]
    [TestCase(4, 0xFFFF_FFFFu)]
    public void Unclaimed_ports_read_all_ones_and_swallow_writes(int size, uint expected)
    {
        var bus = new IoBus();
        bus.In(0x80, size).ShouldBe(expected);
        bus.Out(0x80, size, 1);
    }

    [Test]
    public void Mmio_reaches_the_device_with_the_offset_into_its_window()
    {
        var bus = new IoBus();
        var device = new Register32();
        bus.RegisterMmio(0xFEC0_0000, 0x1000, device);

        bus.HasMmio.ShouldBeTrue();
        bus.ClaimsMmio(0xFEC0_0FFF).ShouldBeTrue();
        bus.ClaimsMmio(0xFEC0_1000).ShouldBeFalse();
        bus.MmioRead(0xFEC0_0010, 4).ShouldBe(0x5678UL);
        bus.MmioWrite(0xFEC0_0FFC, 4, 9);
        bus.MmioRead(0xFEC0_1000, 2).ShouldBe(0xFFFFUL, "outside the window: unclaimed, all ones");

        device.Log.ShouldBe(["read 10 4", "write ffc 4 9"]);
    }

    [Test]
    public void Overlapping_mmio_windows_are_refused()
    {
        var bus = new IoBus();
        bus.RegisterMmio(0x1000, 0x1000, new Register32());
        Should.Throw<ArgumentException>(() => bus.RegisterMmio(0x1800, 0x1000, new Register32()));
    }
}
