using LoaderHarness.Emulator.Devices;
using LoaderHarness.Emulator.Devices.Apic;
using LoaderHarness.Emulator.Devices.Time;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Devices.Apic;

/// <summary>
/// The local APIC per the Intel SDM Vol. 3A ch. 11: register file through the xAPIC page and the x2APIC MSRs
/// (§11.12.1.2–3 and Table 11-6: #GP rules), priority arbitration (§11.8.3), EOI (§11.8.5), ICR self-IPIs
/// (§11.6.1), the 8259A in virtual-wire mode through LINT0 (§11.5.1) and the timer's three modes (§11.5.4).
/// </summary>
[TestFixture]
public sealed class LocalApicTests
{
    // Register offsets in the xAPIC page (SDM Vol. 3A Table 11-1).
    private const ulong Id = 0x20, Version = 0x30, Tpr = 0x80, Ppr = 0xA0, Eoi = 0xB0, Ldr = 0xD0, Dfr = 0xE0, Svr = 0xF0,
        Isr = 0x100, Irr = 0x200, IcrLow = 0x300, IcrHigh = 0x310, LvtTimer = 0x320, Lint0 = 0x350, Initial = 0x380,
        Current = 0x390, Divide = 0x3E0;

    private ManualClock _clock = null!;
    private ulong _tsc;
    private LocalApic _apic = null!;
    private RecordingSink _cpu = null!;

    [SetUp]
    public void SetUp()
    {
        _clock = new ManualClock();
        _tsc = 1_000;
        // TSC and APIC timer at 100 MHz: 10 ns per tick.
        _apic = new LocalApic(_clock, () => _tsc, 100_000_000, 100_000_000);
        _cpu = new RecordingSink();
        _apic.Output.Line = new InterruptLine(_cpu, 0);
    }

    /// <summary>INTR as the CPU sees it: the last level the APIC drove.</summary>
    private bool Intr => _cpu.Changes.Count > 0 && _cpu.Changes[^1].High;

    private void Enable() => _apic.Write(Svr, 4, 0x1FF);

    private uint Read(ulong offset) => (uint)_apic.Read(offset, 4);

    private void Advance(long nanoseconds)
    {
        _clock.Advance(nanoseconds);
        _tsc += (ulong)(nanoseconds / 10);
        _apic.Update();
    }

    [Test]
    public void Resets_as_kvm_presents_the_boot_cpus_apic()
    {
        // SDM Vol. 3A §11.4.4: base FEE00000H, BSP (bit 8), enabled (bit 11).
        _apic.BaseValue.ShouldBe(0xFEE0_0900UL);
        Read(Version).ShouldBe(0x0005_0014u); // KVM lapic.c: APIC_VERSION 0x14, six LVT entries
        Read(Svr).ShouldBe(0xFFu); // software-disabled, spurious vector FFH (SDM Vol. 3A §11.9)
        Read(Dfr).ShouldBe(0xFFFF_FFFFu);
        Read(Lint0).ShouldBe(0x700u); // KVM kvm_lapic_reset: the BSP's LVT0 in ExtINT mode, unmasked
        Read(LvtTimer).ShouldBe(0x1_0000u);
        _apic.VirtualWire.ShouldBeTrue();
    }

    [Test]
    public void Lint0_in_extint_mode_passes_the_8259s_int_through_and_inta_goes_to_the_8259()
    {
        var pic = new LatchingController(0x30) { Output = new InterruptLine(new RecordingSink(), 0) };
        _apic.ExternalController = pic;
        _apic.SetLevel(0, true);
        Intr.ShouldBeTrue();
        _apic.Acknowledge().ShouldBe(0x30);
        _apic.SetLevel(0, false);
        Intr.ShouldBeFalse();
        // Masking LINT0 (Linux setup_local_APIC with an I/O APIC) cuts the 8259A off.
        Enable();
        _apic.Write(Lint0, 4, 0x1_0700);
        _apic.SetLevel(0, true);
        Intr.ShouldBeFalse();
        // A hardware-disabled APIC is out of the way: the 8259A reaches INTR again.
        _apic.TryWriteMsr(LocalApic.BaseMsr, 0xFEE0_0100).ShouldBeTrue();
        Intr.ShouldBeTrue();
    }

    [Test]
    public void A_software_disabled_apic_accepts_nothing_and_keeps_its_lvts_masked()
    {
        _apic.Accept(0x40, false);
        _apic.IsRequested(0x40).ShouldBeFalse();
        _apic.Write(LvtTimer, 4, 0x40);
        Read(LvtTimer).ShouldBe(0x1_0040u); // SDM Vol. 3A §11.4.7.2
    }

    [Test]
    public void Delivers_the_highest_vector_above_the_processor_priority_class()
    {
        Enable();
        _apic.Accept(0x31, false);
        _apic.Accept(0x52, false);
        _apic.Accept(0x45, false);
        Intr.ShouldBeTrue();
        _apic.Acknowledge().ShouldBe(0x52);
        Read(Ppr).ShouldBe(0x50u);
        // 0x45 is in a lower class than the one in service: held until EOI.
        Intr.ShouldBeFalse();
        _apic.Write(Eoi, 4, 0);
        _apic.Acknowledge().ShouldBe(0x45);
        // TPR class 4 blocks 0x31 (class 3) even after the EOI; PPR is the TPR then.
        _apic.Write(Tpr, 4, 0x40);
        _apic.Write(Eoi, 4, 0);
        Read(Ppr).ShouldBe(0x40u);
        Intr.ShouldBeFalse();
        _apic.Acknowledge().ShouldBe(-1);
        _apic.Write(Tpr, 4, 0x20);
        Intr.ShouldBeTrue();
        _apic.Acknowledge().ShouldBe(0x31);
        Read(Isr + 0x10).ShouldBe(1u << 17); // vector 0x31 in service: ISR word 1, bit 17
    }

    [Test]
    public void Isr_and_irr_are_256_bit_registers_in_eight_words()
    {
        Enable();
        _apic.Accept(0xF3, false);
        Read(Irr + 0x70).ShouldBe(1u << 19); // vector 0xF3 = word 7, bit 19
        _apic.Acknowledge().ShouldBe(0xF3);
        Read(Irr + 0x70).ShouldBe(0u);
        Read(Isr + 0x70).ShouldBe(1u << 19);
    }

    [Test]
    public void A_level_triggered_eoi_is_broadcast_to_the_io_apic()
    {
        var io = new IoApic { Target = _apic };
        _apic.IoApic = io;
        Enable();
        // Pin 9: vector 0x61, level, active high, physical destination 0.
        io.Write(0, 4, 0x22);
        io.Write(0x10, 4, 0x0000_8061);
        io.SetLevel(9, true);
        (io.Entry(9) & (1UL << 14)).ShouldNotBe(0UL); // remote IRR
        _apic.Acknowledge().ShouldBe(0x61);
        io.SetLevel(9, false);
        _apic.Write(Eoi, 4, 0);
        (io.Entry(9) & (1UL << 14)).ShouldBe(0UL);
    }

    [Test]
    public void Icr_fixed_self_ipis_by_shorthand_and_by_destination_arrive_others_are_dropped()
    {
        Enable();
        _apic.Write(IcrLow, 4, 0x0004_0051); // shorthand self, fixed, vector 0x51
        _apic.IsRequested(0x51).ShouldBeTrue();
        _apic.Write(IcrHigh, 4, 0x0000_0000); // physical destination 0 = this APIC
        _apic.Write(IcrLow, 4, 0x0000_0052);
        _apic.IsRequested(0x52).ShouldBeTrue();
        _apic.Write(IcrHigh, 4, 0x0100_0000); // APIC 1 does not exist
        _apic.Write(IcrLow, 4, 0x0000_0053);
        _apic.IsRequested(0x53).ShouldBeFalse();
        _apic.Write(IcrLow, 4, 0x000C_0054); // all excluding self
        _apic.IsRequested(0x54).ShouldBeFalse();
        _apic.Write(IcrLow, 4, 0x000C_4500); // INIT to the APs
        _apic.Write(IcrLow, 4, 0x000C_4608); // SIPI
        (Read(IcrLow) & 0x1000).ShouldBe(0u); // delivery status idle
    }

    [Test]
    public void Logical_destinations_follow_the_flat_and_cluster_models()
    {
        _apic.Write(Ldr, 4, 0x0100_0000);
        _apic.Matches(0x01, logical: true).ShouldBeTrue();
        _apic.Matches(0x02, logical: true).ShouldBeFalse();
        _apic.Write(Dfr, 4, 0x0FFF_FFFF); // cluster model
        _apic.Write(Ldr, 4, 0x2100_0000); // cluster 2, member bit 0
        _apic.Matches(0x21, logical: true).ShouldBeTrue();
        _apic.Matches(0x11, logical: true).ShouldBeFalse();
        _apic.Matches(0xFF, logical: false).ShouldBeTrue();
    }

    [Test]
    public void X2apic_msrs_fault_outside_x2apic_mode_and_obey_the_access_rules()
    {
        _apic.TryReadMsr(0x802, out _).ShouldBeFalse(); // xAPIC mode: #GP
        // xAPIC -> x2APIC (SDM Vol. 3A Figure 11-27).
        _apic.TryWriteMsr(LocalApic.BaseMsr, 0xFEE0_0D00).ShouldBeTrue();
        _apic.X2ApicMode.ShouldBeTrue();
        _apic.Read(Id, 4).ShouldBe(0xFFFF_FFFFUL); // the page is gone
        _apic.TryReadMsr(0x802, out var id).ShouldBeTrue();
        id.ShouldBe(0UL);
        _apic.TryReadMsr(0x80D, out var ldr).ShouldBeTrue();
        ldr.ShouldBe(1UL); // cluster 0, bit 0 (SDM Vol. 3A §11.12.10.2)
        _apic.TryWriteMsr(0x802, 5).ShouldBeFalse(); // ID is read-only
        _apic.TryWriteMsr(0x80D, 5).ShouldBeFalse(); // LDR is read-only in x2APIC mode
        _apic.TryReadMsr(0x80E, out _).ShouldBeFalse(); // no DFR
        _apic.TryReadMsr(0x831, out _).ShouldBeFalse(); // no ICR high half
        _apic.TryReadMsr(0x80B, out _).ShouldBeFalse(); // EOI is write-only
        _apic.TryWriteMsr(0x80B, 1).ShouldBeFalse(); // EOI takes 0 only
        _apic.TryWriteMsr(0x808, 0x100).ShouldBeFalse(); // TPR bits 31:8 reserved
        _apic.TryWriteMsr(0x808, 0x1_0000_0000).ShouldBeFalse(); // bits 63:32 reserved
        _apic.TryReadMsr(0x83F, out _).ShouldBeFalse(); // SELF IPI is write-only
        _apic.TryWriteMsr(0x80F, 0x1FF).ShouldBeTrue();
        _apic.TryWriteMsr(0x83F, 0x1_0041).ShouldBeFalse(); // bits above the vector
        _apic.TryWriteMsr(0x83F, 0x41).ShouldBeTrue();
        _apic.IsRequested(0x41).ShouldBeTrue();
        // ICR is one 64-bit MSR with a 32-bit destination.
        _apic.TryWriteMsr(0x830, 0x0000_0000_0000_0042).ShouldBeTrue();
        _apic.IsRequested(0x42).ShouldBeTrue();
        _apic.TryWriteMsr(0x830, 0x0000_0001_0000_0043).ShouldBeTrue();
        _apic.IsRequested(0x43).ShouldBeFalse();
        _apic.TryReadMsr(0x830, out var icr).ShouldBeTrue();
        icr.ShouldBe(0x0000_0001_0000_0043UL);
    }

    [Test]
    public void Apic_base_rejects_invalid_mode_transitions_and_reserved_bits()
    {
        _apic.TryWriteMsr(LocalApic.BaseMsr, 0xFEE0_0500).ShouldBeFalse(); // EXTD without EN
        _apic.TryWriteMsr(LocalApic.BaseMsr, 0xFEE0_0901).ShouldBeFalse(); // reserved bit 0
        _apic.TryWriteMsr(LocalApic.BaseMsr, 0x100_FEE0_0900).ShouldBeFalse(); // above MAXPHYADDR 40
        _apic.TryWriteMsr(LocalApic.BaseMsr, 0xFEE0_0D00).ShouldBeTrue();
        _apic.TryWriteMsr(LocalApic.BaseMsr, 0xFEE0_0900).ShouldBeFalse(); // x2APIC straight to xAPIC
        _apic.TryWriteMsr(LocalApic.BaseMsr, 0xFEE0_0100).ShouldBeTrue(); // x2APIC -> disabled
        _apic.TryWriteMsr(LocalApic.BaseMsr, 0xFEE0_0D00).ShouldBeFalse(); // disabled straight to x2APIC
        _apic.TryWriteMsr(LocalApic.BaseMsr, 0xFEE0_0900).ShouldBeTrue();
        Read(Svr).ShouldBe(0xFFu); // disabling reset it
    }

    [Test]
    public void One_shot_timer_counts_down_on_virtual_time_and_fires_once()
    {
        Enable();
        _apic.Write(Divide, 4, 0x3); // divide by 16
        _apic.Write(LvtTimer, 4, 0xEC); // one-shot, vector 0xEC
        _apic.Write(Initial, 4, 1000); // 1000 × 16 ticks × 10 ns = 160 µs
        _apic.NextEventNanoseconds.ShouldBe(160_000L);
        Advance(80_000);
        Read(Current).ShouldBe(500u);
        _apic.IsRequested(0xEC).ShouldBeFalse();
        Advance(80_000);
        _apic.IsRequested(0xEC).ShouldBeTrue();
        Read(Current).ShouldBe(0u);
        _apic.NextEventNanoseconds.ShouldBe(long.MaxValue);
    }

    [Test]
    public void Periodic_timer_reloads_and_fires_every_period()
    {
        Enable();
        _apic.Write(Divide, 4, 0xB); // divide by 1
        _apic.Write(LvtTimer, 4, 0x2_00EC); // periodic
        _apic.Write(Initial, 4, 100); // 1 µs
        Advance(1_000);
        _apic.Acknowledge().ShouldBe(0xEC);
        _apic.Write(Eoi, 4, 0);
        _apic.NextEventNanoseconds.ShouldBe(2_000L);
        Advance(250);
        Read(Current).ShouldBe(75u);
        Advance(750);
        _apic.IsRequested(0xEC).ShouldBeTrue();
    }

    [Test]
    public void Tsc_deadline_timer_fires_when_the_tsc_reaches_the_deadline_then_disarms()
    {
        Enable();
        _apic.Write(LvtTimer, 4, 0x4_00EF); // TSC-deadline mode
        _apic.Write(Initial, 4, 1000); // ignored in this mode
        Read(Initial).ShouldBe(0u);
        _apic.TryWriteMsr(LocalApic.TscDeadlineMsr, _tsc + 500).ShouldBeTrue();
        _apic.NextEventNanoseconds.ShouldBe(5_000L);
        Advance(4_990);
        _apic.IsRequested(0xEF).ShouldBeFalse();
        Advance(10);
        _apic.IsRequested(0xEF).ShouldBeTrue();
        _apic.TryReadMsr(LocalApic.TscDeadlineMsr, out var after).ShouldBeTrue();
        after.ShouldBe(0UL);
        // A deadline in the past fires at once; leaving the mode disarms (SDM Vol. 3A §11.5.4.1).
        _apic.TryWriteMsr(LocalApic.TscDeadlineMsr, 1).ShouldBeTrue();
        _apic.NextEventNanoseconds.ShouldBe(_clock.Nanoseconds);
        _apic.Write(LvtTimer, 4, 0x00EF);
        _apic.NextEventNanoseconds.ShouldBe(long.MaxValue);
    }

    [Test]
    public void Arming_the_timer_tells_the_run_loop()
    {
        var armed = 0;
        _apic.TimerArmed = () => armed++;
        _apic.Write(Initial, 4, 10);
        _apic.TryWriteMsr(LocalApic.TscDeadlineMsr, 5);
        armed.ShouldBe(2);
    }
}
