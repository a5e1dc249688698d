using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// PUSHFQ, which a compiled block runs itself, in the IL tier and in host code: RFLAGS pushed with its arithmetic flags
/// evaluated from every kind of producer and its system flags as they are, against the interpreter.
/// </summary>
public class FlagsPushTests(bool hostCode) : BothBackEnds(hostCode)
{
    private const ulong Data = 0x200000;
    private const int Iterations = 300;

    [Test]
    public void Pushed_flags_are_those_the_interpreter_pushes_and_do_not_end_the_block()
    {
        using var pair = FlagsLoop();
        pair.RunToHaltCompiled(Iterations / 2);
    }

    [Test]
    public void Pushed_flags_agree_when_a_budget_stops_anywhere() => FlagsLoop().RunInChunksToHalt();

    [Test]
    public void The_image_pushed_carries_the_system_flags_and_reads_RF_as_0()
    {
        // IF, AC and RF set before the loop: IF and AC are pushed as they are, RF as 0 (SDM Vol. 2B PUSHF).
        using var pair = FlagsLoop();
        pair.Both(m => m.Cpu.Rflags |= FlagBits.IF | FlagBits.AC | FlagBits.RF);
        pair.RunToHaltCompiled(Iterations / 2);
    }

    /// <summary>PUSHFQ after producers of every kind (ADD, SUB, logic, INC, DEC, a shift's and BT's explicit bits, one from another path), each image folded into RBP.</summary>
    private TierPair FlagsLoop() => InTier(TierPair.Program64(a =>
    {
        var top = a.CreateLabel();
        var skip = a.CreateLabel();
        a.mov(rcx, Iterations);
        a.mov(rsi, Data);
        a.std();                             // DF is pushed too
        a.Label(ref top);
        a.pushfq();                          // the flags of the DEC before the back edge, or those before the loop
        a.pop(rax);
        a.add(rbp, rax);
        a.mov(rdx, __qword_ptr[rsi + rcx * 8]);
        a.add(rdx, rcx);
        a.pushfq();
        a.pop(rax);
        a.add(rbp, rax);
        a.sub(rdx, __qword_ptr[rsi + 8]);
        a.pushfq();
        a.xor(rdx, rcx);
        a.pushfq();
        a.inc(rdx);
        a.pushfq();
        a.shl(rdx, 7);
        a.pushfq();
        a.bt(rdx, rcx);
        a.pushfq();
        a.test(cl, 1);
        a.jz(skip);
        a.neg(rdx);
        a.Label(ref skip);
        a.pushfq();                          // after a join: the producer is not known here
        for (var i = 0; i < 6; i++)
        {
            a.pop(rax);
            a.ror(rax, 9);
            a.add(rbp, rax);
        }
        a.dec(rcx);
        a.jnz(top);
        a.cld();
        a.hlt();
    }, Data, Iterations * 8 + 64));

}
