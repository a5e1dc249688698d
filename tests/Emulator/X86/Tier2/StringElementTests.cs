using LoaderHarness.Emulator.Core;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// STOS/MOVS without REP, which a block compiled to IL runs itself: string elements stored and copied in both directions
/// of DF, against the interpreter (host code leaves them to the interpreter).
/// </summary>
[TestFixture]
public class StringElementTests
{
    private const ulong Data = 0x200000;
    private const int Iterations = 300;

    [TestCase(false, TestName = "STOS and MOVS upwards leave what the interpreter leaves")]
    [TestCase(true, TestName = "STOS and MOVS downwards (DF set) leave what the interpreter leaves")]
    public void String_elements_leave_what_the_interpreter_leaves_and_do_not_end_the_block(bool down)
    {
        using var pair = StringLoop(down);
        pair.RunToHaltCompiled(Iterations / 2);
        pair.SameMemory(Data, 0x4000);
    }

    [Test]
    public void String_elements_agree_when_a_budget_stops_anywhere() => StringLoop(true).RunInChunksToHalt();

    [TestCase(false, TestName = "A STOSQ that faults is delivered as in the interpreter")]
    [TestCase(true, TestName = "A MOVSB whose read faults is delivered as in the interpreter")]
    public void A_string_element_that_faults_is_delivered_as_in_the_interpreter(bool movs)
        => FaultProgram.PageFaultsLikeTheInterpreter(a =>
        {
            var top = a.CreateLabel();
            a.mov(rbx, 0xF000_0000UL);
            a.Label(ref top);
            a.add(rbx, 0x10_0000);
            a.inc(rax);
            if (movs)
            {
                a.mov(rsi, rbx);
                a.mov(rdi, Data);
                a.movsb();
            }
            else
            {
                a.mov(rdi, rbx);
                a.stosq();
            }
            a.add(r12, rsi);
            a.jmp(top);
        });

    /// <summary>STOSB/W/D/Q and MOVSB/W/D/Q of one element each, RSI and RDI moving up (or down with DF set) through the data.</summary>
    private static TierPair StringLoop(bool down) => TierPair.Program64(a =>
    {
        var top = a.CreateLabel();
        a.mov(rcx, Iterations);
        a.mov(rsi, Data + 0x1800);
        a.mov(rdi, Data + 0x2800);
        if (down)
            a.std();
        a.Label(ref top);
        a.mov(rax, rcx);
        a.imul(rax, rax, 0x1234_5679);
        a.stosb();
        a.stosq();
        a.stosw();
        a.stosd();
        a.movsb();
        a.movsq();
        a.movsd();
        a.movsw();
        a.add(rbp, rsi);
        a.xor(rbp, rdi);
        a.dec(rcx);
        a.jnz(top);
        a.cld();
        a.hlt();
    }, Data, 0x4000);
}
