using LoaderHarness.Emulator.Core;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// CALL r/m64, which a compiled block runs itself: the return address pushed, the target read (from a register or
/// memory, before the push) and the block left for it, as the interpreter does; a target read that faults is delivered
/// at the CALL.
/// </summary>
[TestFixture]
public class IndirectCallTests
{
    private const ulong Data = 0x200000;
    private const int Iterations = 400;

    [Test]
    public void Indirect_calls_leave_what_the_interpreter_leaves_and_run_compiled()
    {
        using var pair = Loop();
        pair.RunToHaltCompiled(Iterations / 2); // left to the interpreter, each of an iteration's two calls would end its block
        pair.SameMemory(TestMachine.StackTop - 0x40, 0x40);
    }

    [Test]
    public void Indirect_calls_agree_when_a_budget_stops_anywhere() => Loop().RunInChunksToHalt();

    [Test]
    public void A_target_read_that_faults_is_delivered_at_the_call_as_in_the_interpreter()
        => FaultProgram.PageFaultsLikeTheInterpreter(a =>
        {
            var top = a.CreateLabel();
            var call = a.CreateLabel();
            var f = a.CreateLabel();
            a.mov(rbx, FaultProgram.NotPresent2M - 0x10_0000);
            a.lea(r11, __[f]);
            a.Label(ref top);
            a.add(rbx, 0x1000);
            a.cmp(rbx, (int)FaultProgram.NotPresent2M);
            a.jae(call);
            a.mov(__qword_ptr[rbx], r11);    // the target, below the page not present
            a.Label(ref call);
            a.add(r12, rbx);
            a.call(__qword_ptr[rbx]);        // on that page the target's read faults
            a.jmp(top);
            a.Label(ref f);
            a.inc(r13);
            a.ret();
        }, expectedCr2: FaultProgram.NotPresent2M, unmap: true);

    /// <summary>Calls through a register and through memory to a function that reads its return address off the stack.</summary>
    private static TierPair Loop() => TierPair.Program64(a =>
    {
        var top = a.CreateLabel();
        var f = a.CreateLabel();
        var g = a.CreateLabel();
        a.mov(rcx, Iterations);
        a.mov(rsi, Data);
        a.lea(r11, __[f]);
        a.lea(rax, __[g]);
        a.mov(__qword_ptr[rsi], rax);
        a.Label(ref top);
        a.call(r11);
        a.add(rbp, rax);
        a.call(__qword_ptr[rsi]);
        a.xor(rbp, rax);
        a.dec(rcx);
        a.jnz(top);
        a.hlt();
        a.Label(ref f);
        a.lea(rax, __[rax + rcx * 2]);
        a.add(rax, __qword_ptr[rsp]);
        a.ret();
        a.Label(ref g);
        a.imul(rax, rcx, 3);
        a.sub(rax, __qword_ptr[rsp]);
        a.ret();
    }, Data, 64);
}
