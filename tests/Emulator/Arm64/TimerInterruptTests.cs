using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Devices.Gic;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64;

/// <summary>
/// Guest programs that set up the GICv3 the way Linux's irq-gic-v3.c does (distributor group 1 enable,
/// redistributor wake, PPI group/priority/enable, ICC_SRE/PMR/IGRPEN1), arm the generic timer
/// (Arm ARM D11.2) and take its PPI as an IRQ (D1.10), acknowledging with ICC_IAR1_EL1 and ending it with
/// ICC_EOIR1_EL1 (IHI 0069 §4.1), while WFI lets virtual time run to each deadline.
/// </summary>
[TestFixture]
public class TimerInterruptTests
{
    private const ulong DistributorBase = 0x0800_0000;
    private const ulong RedistributorBase = 0x080A_0000;

    /// <summary>GIC and timer set-up; {0} = the timer's CTL/TVAL register prefix (cntv or cntp), {1} = its INTID.</summary>
    private const string Setup = """
            adr x0, vectors
            msr vbar_el1, x0
            ldr x1, =0x08000000
            mov w2, #0x12
            str w2, [x1]
            ldr x3, =0x080A0000
            str wzr, [x3, #0x14]
        sleep:
            ldr w2, [x3, #0x14]
            tbnz w2, #2, sleep
            ldr x4, =0x080B0000
            mov w2, #(1 << {1})
            str w2, [x4, #0x80]
            mov w2, #0xa0
            strb w2, [x4, #(0x400 + {1})]
            mov w2, #(1 << {1})
            str w2, [x4, #0x100]
            mov x2, #1
            msr icc_sre_el1, x2
            mov x2, #0xf0
            msr icc_pmr_el1, x2
            mov x2, #1
            msr icc_igrpen1_el1, x2
            mov x2, #1000
            msr {0}_tval_el0, x2
            mov x2, #1
            msr {0}_ctl_el0, x2
            mov x10, #0
        """;

    /// <summary>Three ticks taken from WFI, each acknowledged, re-armed 1000 ticks on and EOId; then the timer is stopped.</summary>
    private const string Ticks = """
            msr daifclr, #2
        wait:
            wfi
            cmp x10, #3
            b.lo wait
            msr daifset, #2
            msr {0}_ctl_el0, xzr
            b done
            .balign 2048
        vectors:
            .skip 0x280
            mrs x11, icc_iar1_el1
            mov x12, x11
            add x10, x10, #1
            mrs x13, cntvct_el0
            mov x2, #1000
            msr {0}_tval_el0, x2
            msr icc_eoir1_el1, x11
            eret
        done:
        """;

    private static Arm64TestMachine Machine(out GicV3 gic)
    {
        var m = new Arm64TestMachine();
        gic = new GicV3();
        m.Cpu.ConnectGic(gic, DistributorBase, RedistributorBase);
        return m;
    }

    private static string Program(string timer, int intid, string body) =>
        string.Format(System.Globalization.CultureInfo.InvariantCulture, Setup + "\n" + body, timer, intid);

    [TestCase("cntv", 27)]
    [TestCase("cntp", 30)]
    public void Wfi_sleeps_to_each_timer_tick_taken_through_the_gic(string timer, int intid)
    {
        using var m = Machine(out var gic);

        var result = m.Run(Program(timer, intid, Ticks));

        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        m.Cpu[10].ShouldBe(3UL, "three ticks");
        m.Cpu[12].ShouldBe((ulong)intid, "ICC_IAR1_EL1 names the timer's PPI");
        m.Cpu[13].ShouldBeGreaterThanOrEqualTo(3000UL, "the third tick comes 3 × 1000 counter ticks after arming");
        result.Instructions.ShouldBeLessThan(200UL, "WFI skipped the idle time instead of executing through it");
        m.Cpu.Counter.ShouldBeGreaterThan(m.Cpu.TotalInstructions);
        gic.IsActive(intid).ShouldBeFalse("EOI deactivated it");
    }

    [Test]
    public void A_masked_wfi_wakes_on_the_pending_tick_and_isr_el1_reports_it()
    {
        using var m = Machine(out _);

        var result = m.Run(Program("cntv", 27, """
                wfi
                mrs x14, isr_el1
                mrs x11, icc_iar1_el1
                msr icc_eoir1_el1, x11
                msr cntv_ctl_el0, xzr
                mrs x15, isr_el1
                mrs x16, icc_iar1_el1
                b done
            vectors:
                b vectors
            done:
            """));

        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        m.Cpu[14].ShouldBe(0x80UL, "ISR_EL1.I: an IRQ is pending though PSTATE.I masks it");
        m.Cpu[11].ShouldBe(27UL);
        m.Cpu[15].ShouldBe(0UL, "the timer stopped: nothing pending");
        m.Cpu[16].ShouldBe((ulong)GicV3.Spurious);
    }

    [Test]
    public void Wfi_with_no_timer_armed_and_nothing_pending_ends_the_run()
    {
        using var m = Machine(out _);

        var result = m.Run("mov x0, #1");

        result.Reason.ShouldBe(StopReason.Halt);
        result.Detail.ShouldNotBeNull().ShouldContain("no timer armed");
    }

    [Test]
    public void Tval_counts_down_and_ctl_reports_istatus_once_cval_is_reached()
    {
        using var m = Machine(out _);

        var result = m.Run("""
                mov x2, #100
                msr cntv_tval_el0, x2
                mov x2, #3
                msr cntv_ctl_el0, x2
                mrs x3, cntv_tval_el0
                mrs x4, cntv_ctl_el0
                mov x5, #200
            spin:
                subs x5, x5, #1
                b.ne spin
                mrs x6, cntv_tval_el0
                mrs x7, cntv_ctl_el0
                mrs x8, cntv_cval_el0
                mrs x9, cntvct_el0
            """);

        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        m.Cpu[3].ShouldBe(97UL, "TVAL = CVAL − CNTVCT, three instructions later");
        m.Cpu[4].ShouldBe(3UL, "ENABLE and IMASK, ISTATUS clear");
        ((long)m.Cpu[6]).ShouldBeLessThan(0, "TVAL goes negative past the deadline");
        m.Cpu[7].ShouldBe(7UL, "ISTATUS set; IMASK keeps the line low");
        (m.Cpu[9] - m.Cpu[8]).ShouldBe((ulong)-(long)m.Cpu[6] + 3, "CNTVCT read three instructions after TVAL");
    }
}
