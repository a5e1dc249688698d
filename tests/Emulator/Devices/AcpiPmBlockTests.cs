using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Devices;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Devices;

/// <summary>crosvm's ACPI PM register block (devices/src/acpi.rs ACPIPMResource read/write at commit f1e797a6) on the I/O bus.</summary>
[TestFixture]
public sealed class AcpiPmBlockTests
{
    private const ushort Base = 0xC000;

    private static (IoBus Bus, AcpiPmBlock Block, List<(StopReason, string)> Stops) Attach()
    {
        var stops = new List<(StopReason, string)>();
        var block = new AcpiPmBlock(Base) { Stop = (r, d) => stops.Add((r, d)) };
        var bus = new IoBus();
        block.Attach(bus);
        return (bus, block, stops);
    }

    [Test]
    public void Claims_72_ports_that_read_zero_at_reset()
    {
        var (bus, _, _) = Attach();
        // ACPIPM_RESOURCE_LEN = 4 + 4 + 64; PM1 and GPE0 registers start cleared (PM1Resource and GpeResource zeroed).
        bus.In(Base, 2).ShouldBe(0u);
        bus.In(Base + 2, 2).ShouldBe(0u);
        bus.In(Base + 4, 2).ShouldBe(0u);
        bus.In(Base + 8, 1).ShouldBe(0u);
        bus.In(Base + 71, 1).ShouldBe(0u);
        bus.In(Base + 72, 1).ShouldBe(0xFFu); // past the block: unclaimed
    }

    [Test]
    public void Pm1_enable_and_gpe0_enable_keep_what_is_written_and_control_drops_slp_en()
    {
        var (bus, _, stops) = Attach();
        bus.Out(Base + 2, 2, 0x0521);
        bus.In(Base + 2, 2).ShouldBe(0x0521u);
        bus.In(Base + 3, 1).ShouldBe(0x05u);
        bus.Out(Base + 8 + 32, 1, 0x81);
        bus.In(Base + 8 + 32, 1).ShouldBe(0x81u);
        // SLP_TYP 1 (S1, _S1_'s value) with SLP_EN: a suspend request, not an exit; SLP_EN reads back 0.
        bus.Out(Base + 4, 2, 0x2000 | (1 << 10) | 1);
        bus.In(Base + 4, 2).ShouldBe((1u << 10) | 1);
        stops.ShouldBeEmpty();
    }

    [Test]
    public void Status_bits_clear_when_one_is_written_and_gpe_registers_take_only_bytes()
    {
        var (bus, _, _) = Attach();
        // OSPM writes ones to clear PM1_STS and GPE0_STS (ACPI 6.5 §4.8.3.1.1, §4.8.4.1.1); with nothing set they stay 0.
        bus.Out(Base, 2, 0xFFFF);
        bus.In(Base, 2).ShouldBe(0u);
        // acpi.rs refuses wider GPE accesses: a word write to GPE0_EN changes nothing.
        bus.Out(Base + 8 + 32, 2, 0xFFFF);
        bus.In(Base + 8 + 32, 1).ShouldBe(0u);
    }

    [Test]
    public void Slp_en_with_the_s5_type_powers_off()
    {
        var (bus, _, stops) = Attach();
        // _S5_ is {0, 0, 0, 0}: the kernel writes SLP_TYP 0 | SLP_EN (drivers/acpi/acpica/hwsleep.c acpi_hw_legacy_sleep).
        bus.Out(Base + 4, 2, 0x2001);
        stops.Single().Item1.ShouldBe(StopReason.PowerOff);
    }
}
