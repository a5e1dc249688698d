using LoaderHarness.Emulator.Arm64;
using LoaderHarness.Emulator.Core;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64;

/// <summary>
/// Exception entry and return (Arm ARM DDI 0487 D1.10–D1.11): vector offsets per source EL and SP, ESR/ELR/SPSR
/// contents, ERET, and HVC routed to a guest-owned EL2. Each program installs a vector table whose handler
/// records ESR/ELR/SPSR in x4–x6 and returns past (or to) the faulting instruction.
/// </summary>
[TestFixture]
public class ExceptionTests
{
    /// <summary>Vector table at "vectors" (2 KiB aligned); the "current EL with SPx, synchronous" entry saves state and returns.</summary>
    private const string Vectors = """
            b done
            .balign 2048
        vectors:
            .skip 0x200
            mrs x4, esr_el1
            mrs x5, elr_el1
            mrs x6, spsr_el1
            mov x7, sp
            add x8, x5, #4
            tbz x9, #0, 1f
            msr elr_el1, x8
        1:  eret
            .balign 0x80
            .skip 0x180
            // lower EL, AArch64, synchronous (offset 0x400)
            mrs x4, esr_el1
            mrs x5, elr_el1
            mrs x6, spsr_el1
            mov x10, #0x400
            add x8, x5, #4
            msr elr_el1, x8
            mov x8, #0x3c5
            msr spsr_el1, x8
            eret
        done:
        """;

    [Test]
    public void Svc_enters_the_current_el_spx_vector_and_eret_returns_after_it()
    {
        using var m = new Arm64TestMachine();
        var result = m.Run($"""
            adr x0, vectors
            msr vbar_el1, x0
            mov x9, #0
            movz x11, #0x6000, lsl #16
            msr nzcv, x11
            svc #0x42
            after: adr x1, after
            mov x3, #3
            {Vectors}
            """);
        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        // ESR: EC 0x15 (SVC from AArch64), IL = 1, ISS = imm16.
        m.Cpu[4].ShouldBe((0x15UL << 26) | (1UL << 25) | 0x42);
        // Preferred return for SVC is the next instruction; SPSR holds NZCV and EL1h with DAIF masked.
        m.Cpu[5].ShouldBe(m.Cpu[1]);
        m.Cpu[6].ShouldBe(0x6000_0000UL | 0x3C5);
        m.Cpu[3].ShouldBe(3UL);
        m.Cpu.ExceptionsTaken.ShouldBe(1UL);
    }

    [Test]
    public void Brk_returns_to_itself_so_the_handler_skips_it()
    {
        using var m = new Arm64TestMachine();
        m.Run($"""
            adr x0, vectors
            msr vbar_el1, x0
            mov x9, #1
            at_brk: brk #0x800
            adr x1, at_brk
            {Vectors}
            """);
        // EC 0x3C (BRK), ISS = comment; ELR = the BRK itself (Arm ARM D1.10.4 preferred return for BRK).
        m.Cpu[4].ShouldBe((0x3CUL << 26) | (1UL << 25) | 0x800);
        m.Cpu[5].ShouldBe(m.Cpu[1]);
    }

    [Test]
    public void Exception_from_el0_uses_the_lower_el_vector()
    {
        using var m = new Arm64TestMachine();
        m.Run($"""
            adr x0, vectors
            msr vbar_el1, x0
            adr x1, user
            msr elr_el1, x1
            msr spsr_el1, xzr
            eret
            user: svc #7
            {Vectors}
            """);
        m.Cpu[10].ShouldBe(0x400UL);
        m.Cpu[4].ShouldBe((0x15UL << 26) | (1UL << 25) | 7);
        m.Cpu[6].ShouldBe(0UL); // EL0t
        m.Cpu.ExceptionLevel.ShouldBe(1);
    }

    [Test]
    public void Pc_alignment_fault_reports_the_misaligned_target()
    {
        using var m = new Arm64TestMachine();
        m.Run($"""
            adr x0, vectors
            msr vbar_el1, x0
            mov x9, #0
            adr x2, target
            add x2, x2, #2
            br x2
            target: nop
            {Vectors}
            """, budget: 20);
        // EC 0x22 PC alignment; FAR = ELR = the misaligned address.
        (m.Cpu[4] >> 26).ShouldBe(0x22UL);
        m.Cpu.ReadSystemRegister("FAR_EL1").ShouldBe(m.Cpu[2]);
        m.Cpu[5].ShouldBe(m.Cpu[2]);
    }

    [Test]
    public void Hvc_goes_to_the_guests_el2_when_it_owns_el2()
    {
        using var m = new Arm64TestMachine();
        m.Cpu.GuestOwnsEl2 = true;
        m.Load("""
            adr x0, el2_vectors
            msr vbar_el2, x0
            adr x1, el1
            msr elr_el2, x1
            mov x1, #0x3c5
            msr spsr_el2, x1
            eret
            el1: hvc #0x55
            mov x3, #3
            wfi
            .balign 2048
            el2_vectors:
            .skip 0x400
            mrs x4, esr_el2
            mrs x5, currentel
            eret
            """);
        m.Cpu.Pstate = Arm64Pstate.El2hMasked;
        m.Cpu.Pc = Arm64TestMachine.CodeBase;
        var result = m.Cpu.Run(100);
        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        m.Cpu[4].ShouldBe((0x16UL << 26) | (1UL << 25) | 0x55);
        m.Cpu[5].ShouldBe(2UL << 2);
        m.Cpu[3].ShouldBe(3UL);
        m.Cpu.ExceptionLevel.ShouldBe(1);
        m.Cpu.FirmwareCalls.ShouldBeEmpty();
    }

    [Test]
    public void Vector_outside_ram_stops_the_run_at_the_vector()
    {
        using var m = new Arm64TestMachine();
        // VBAR_EL1 = 0 after reset: the BRK's vector 0x200 is not RAM.
        var result = m.Run("brk #0");
        result.Reason.ShouldBe(StopReason.FetchOutsideRam, result.ToString());
        result.Pc.ShouldBe(0x200UL);
        m.Cpu.LastException!.Value.ExceptionClass.ShouldBe(0x3CU);
    }
}
