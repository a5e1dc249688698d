using System.Diagnostics;
using Iced.Intel;
using LoaderHarness.Emulator.Core;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>
/// Guest code written to hang or break the engine: every run ends in a typed stop reason (never
/// <see cref="StopReason.InternalError"/>), retires no more than its budget, and returns promptly.
/// </summary>
[TestFixture]
public sealed class HostileGuestTests
{
    /// <summary>Generous for a loaded 2-core machine; the hangs these tests guard against ran for a minute.</summary>
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);

    private static RunResult Timed(TestMachine m, ulong budget)
    {
        var watch = Stopwatch.StartNew();
        var result = m.Run(budget);
        watch.Elapsed.ShouldBeLessThan(Prompt);
        result.Reason.ShouldNotBe(StopReason.InternalError, result.Detail);
        result.Instructions.ShouldBeLessThanOrEqualTo(budget);
        return result;
    }

    [Test]
    public void Rep_stosb_with_rcx_all_ones_beyond_ram_ends_with_the_budget()
    {
        using var m = new TestMachine();
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(rdi, 0xF000_0000UL); // identity-mapped, above the 16 MiB of RAM
            a.mov(rcx, ulong.MaxValue);
            a.rep.stosb();
            a.hlt();
        });
        m.EnterLong64(TestMachine.CodeBase);
        var result = Timed(m, 10_000);
        result.Reason.ShouldBe(StopReason.Budget);
        result.Instructions.ShouldBe(10_000UL);
        m.Cpu.Rip.ShouldBe(TestMachine.CodeBase + 20); // still on the REP STOSB, which resumes
    }

    [Test]
    public void Rep_movsb_counts_each_iteration_and_resumes_where_it_stopped()
    {
        using var m = new TestMachine();
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(rsi, 0x20_0000UL);
            a.mov(rdi, 0x30_0000UL);
            a.mov(rcx, 10_000UL);
            a.rep.movsb();
            a.hlt();
        });
        m.EnterLong64(TestMachine.CodeBase);
        var first = Timed(m, 1_003);
        first.Reason.ShouldBe(StopReason.Budget);
        m.Cpu[Register.RCX].ShouldBe(10_000UL - 1_000);
        var rest = Timed(m, 100_000);
        rest.Reason.ShouldBe(StopReason.Halt);
        rest.Instructions.ShouldBe(9_000UL + 1); // the remaining iterations and the HLT
        m.Cpu[Register.RCX].ShouldBe(0UL);
    }

    [Test]
    public void A_fault_that_is_its_own_handlers_first_instruction_ends_with_the_budget()
    {
        using var m = new TestMachine();
        var handler = TestMachine.CodeBase;
        m.Load(64, handler, a =>
        {
            a.mov(rax, __[rbx]); // RBX is non-canonical: #GP, whose handler is this instruction
            a.hlt();
        });
        m.EnterLong64(handler);
        m.Cpu[Register.RBX] = 0x8000_0000_0000_0000UL;
        m.SetGate64(13, handler);
        var result = Timed(m, 10_000);
        result.Reason.ShouldBe(StopReason.Budget);
        result.Instructions.ShouldBe(10_000UL); // every delivery counted
    }

    [Test]
    public void Mmx_forms_of_the_packed_logic_instructions_never_reach_an_internal_error()
    {
        foreach (var opcode in new byte[] { 0xDB, 0xDF, 0xEB, 0xEF }) // PAND, PANDN, POR, PXOR mm, mm/m64 (SDM Vol. 2)
        {
            using var m = new TestMachine();
            m.Memory.Write(TestMachine.CodeBase, [0x0F, opcode, 0xC1, 0xF4]); // op mm0, mm1; hlt
            m.EnterLong64(TestMachine.CodeBase);
            Timed(m, 100);
        }
    }

    [Test]
    public void An_xchg_that_overwrites_its_own_bytes_never_reaches_an_internal_error()
    {
        using var m = new TestMachine();
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(rbx, TestMachine.CodeBase + 10);
            a.xchg(__qword_ptr[rbx], rax); // its own address
            a.hlt();
        });
        m.EnterLong64(TestMachine.CodeBase);
        Timed(m, 1_000);
    }
}
