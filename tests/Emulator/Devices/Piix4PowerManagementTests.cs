using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Devices;
using LoaderHarness.Emulator.Devices.Time;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Devices;

/// <summary>
/// The PIIX4 PM block of QEMU's <c>-M pc</c> at the ports its FADT names, read and written through an <see cref="IoBus"/>
/// the way Linux's ACPICA does (hw/acpi/piix4.c, hw/acpi/core.c, hw/isa/apm.c, hw/isa/piix3.c).
/// </summary>
[TestFixture]
public sealed class Piix4PowerManagementTests
{
    private ManualClock _clock = null!;
    private IoBus _bus = null!;
    private Piix4PowerManagement _pm = null!;
    private List<(StopReason Reason, string Detail)> _stops = null!;

    [SetUp]
    public void Attach()
    {
        _clock = new ManualClock();
        _bus = new IoBus();
        _stops = [];
        _pm = new Piix4PowerManagement(0x600, _clock) { Stop = (r, d) => _stops.Add((r, d)) };
        _pm.Attach(_bus);
    }

    [Test]
    public void Acpi_enable_on_the_smi_command_port_sets_sci_en_and_acpi_disable_clears_it()
    {
        // The FADT's SMI_CMD 0xB2 with ACPI_ENABLE 0xF1: ACPICA's acpi_enable writes it and polls PM1_CNT.SCI_EN (bit 0).
        _bus.In(0x604, 2).ShouldBe(0u);
        _bus.Out(0xB2, 1, 0xF1);
        _bus.In(0x604, 2).ShouldBe(1u);
        _bus.Out(0xB2, 1, 0xF0);
        _bus.In(0x604, 2).ShouldBe(0u);
        // 0xB3, APM status, is a plain byte register (hw/isa/apm.c).
        _bus.Out(0xB3, 1, 0x5A);
        _bus.In(0xB3, 1).ShouldBe(0x5Au);
    }

    [Test]
    public void The_pm_timer_counts_24_bits_at_3_579545_mhz_from_virtual_time()
    {
        _bus.In(0x608, 4).ShouldBe(0u);
        _clock.Advance(1_000_000_000);
        _bus.In(0x608, 4).ShouldBe(3_579_545u);
        // No TMR_VAL_EXT in QEMU's FADT: the counter wraps at 2^24 (hw/acpi/core.c acpi_pm_tmr_get).
        _clock.Set(5_000_000_000);
        _bus.In(0x608, 4).ShouldBe((uint)(5 * 3_579_545L) & 0xFF_FFFFu);
    }

    [Test]
    public void Tmr_sts_is_set_when_the_timers_bit_23_changes_and_cleared_by_writing_one()
    {
        _bus.In(0x600, 2).ShouldBe(0u);
        _clock.Advance(2_400_000_000); // 2^23 ticks at 3.579545 MHz is 2.34 s
        _bus.In(0x600, 2).ShouldBe(1u);
        _bus.Out(0x600, 2, 1);
        _bus.In(0x600, 2).ShouldBe(0u);
        _bus.Out(0x602, 2, 0x0121);
        _bus.In(0x602, 2).ShouldBe(0x0121u);
    }

    [Test]
    public void Slp_en_with_the_s5_type_powers_off_and_with_s3_does_nothing()
    {
        // The DSDT's _S3_ is SLP_TYP 1: a suspend, not modelled, the run goes on.
        _bus.Out(0x604, 2, (1 << 10) | 0x2000 | 1);
        _stops.ShouldBeEmpty();
        // SLP_EN reads back as 0 (acpi_pm1_cnt_write keeps val & ~SLEEP_ENABLE).
        _bus.In(0x604, 2).ShouldBe((uint)((1 << 10) | 1));
        // _S5_ is SLP_TYP 0.
        _bus.Out(0x604, 2, 0x2000);
        _stops.ShouldHaveSingleItem().Reason.ShouldBe(StopReason.PowerOff);
        // _S4_ (type 2) is a power-off too.
        _bus.Out(0x604, 2, (2 << 10) | 0x2000);
        _stops.Count.ShouldBe(2);
        _stops[1].Reason.ShouldBe(StopReason.PowerOff);
    }

    [Test]
    public void The_reset_control_register_resets_on_bit_2_and_keeps_only_bit_1_otherwise()
    {
        // Linux's reboot=pci (arch/x86/kernel/reboot.c BOOT_CF9_FORCE) writes 0x02, then 0x06.
        _bus.Out(0xCF9, 1, 0x0B);
        _bus.In(0xCF9, 1).ShouldBe(0x02u);
        _stops.ShouldBeEmpty();
        _bus.Out(0xCF9, 1, 0x06);
        _stops.ShouldHaveSingleItem().Reason.ShouldBe(StopReason.Reset);
        _bus.Out(0xCF9, 1, 0x0E);
        _stops.Count.ShouldBe(2);
    }

    [Test]
    public void Gpe0_status_bytes_clear_by_writing_one_and_enable_bytes_hold_their_value()
    {
        _bus.Out(0xAFE2, 1, 0x06);
        _bus.In(0xAFE2, 1).ShouldBe(0x06u);
        _bus.In(0xAFE0, 2).ShouldBe(0u);
        _bus.Out(0xAFE0, 2, 0xFFFF);
        _bus.In(0xAFE0, 4).ShouldBe(0x0006_0000u);
    }
}
