using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// DIV r/m32 and r/m64, which a compiled block computes in IL: quotients and remainders of register and memory
/// divisors against the interpreter, and #DE (a divisor of 0, a quotient too wide for its register; SDM Vol. 2A DIV)
/// raised at the DIV with the state exact; in IL and in host code.
/// </summary>
public class DivideTests(bool hostCode) : BothBackEnds(hostCode)
{
    private const ulong Data = 0x200000;
    private const ulong Handler = 0x18000;

    [Test]
    public void Divisions_leave_what_the_interpreter_leaves_and_do_not_end_the_block()
    {
        const int iterations = 1000;
        using var pair = InTier(TierPair.Program64(a =>
        {
            var top = a.CreateLabel();
            a.mov(rcx, iterations);
            a.mov(rsi, Data);
            a.Label(ref top);
            a.mov(r8, __qword_ptr[rsi]);
            a.or(r8, 1);                      // a divisor that is never 0
            a.mov(rax, __qword_ptr[rsi + 8]);
            a.mov(rdx, r8);
            a.shr(rdx, 3);                    // below the divisor: the quotient fits
            a.div(r8);
            a.add(r12, rax);
            a.xor(r13, rdx);
            a.mov(eax, __dword_ptr[rsi + 16]);
            a.mov(edx, __dword_ptr[rsi + 4]);
            a.and(edx, 0xFFFF);
            a.mov(__dword_ptr[rsi + 24], 0x12345);
            a.div(__dword_ptr[rsi + 24]);     // a memory divisor, 32 bits: EDX:EAX, both results zero-extended
            a.add(r14, rax);
            a.add(r15, rdx);
            a.mov(rax, rcx);
            a.xor(edx, edx);
            a.mov(__qword_ptr[rsi + 32], 7);
            a.div(__qword_ptr[rsi + 32]);
            a.add(r12, rdx);
            a.add(rsi, 40);
            a.dec(rcx);
            a.jnz(top);
            a.hlt();
        }, Data, iterations * 40 + 64));

        pair.Run(100_000).Reason.ShouldBe(StopReason.Halt);
        pair.SameMemory(Data, iterations * 40);
        pair.Tiered.Cpu.Tiering.Entries.ShouldBeLessThan(iterations / 2); // left to the interpreter, each DIV ended the block
    }

    [Test]
    public void Divisions_agree_when_a_budget_stops_anywhere() =>
        Loop(a =>
        {
            a.mov(rax, rcx);
            a.mul(rcx);
            a.mov(r8, rcx);
            a.add(r8, 11);
            a.div(r8);
            a.add(r12, rax);
        }).RunInChunksToHalt();

    [TestCase(0u, TestName = "A divisor of 0 is a divide error at the DIV")]
    [TestCase(1u, TestName = "A quotient too wide is a divide error at the DIV")]
    public void Divide_error_is_raised_at_the_div(uint kind)
    {
        // The divisor counts down to 0 (or the high half climbs to the divisor) inside the compiled loop; the handler
        // reads the frame the fault pushed, which must point at the DIV, with the registers as they were before it.
        using var pair = Loop(a =>
        {
            a.mov(r8, rcx);
            a.sub(r8, 300);
            if (kind == 0)
                a.xor(edx, edx);
            else
            {
                a.mov(rdx, 1000);
                a.sub(rdx, rcx);
                a.shr(rdx, 1);
                a.add(r8, 100);
            }
            a.mov(rax, rcx);
            a.mov(__qword_ptr[Data], r8);
            a.div(__qword_ptr[Data]);
            a.add(r12, rax);
        });
        pair.Both(m =>
        {
            m.SetGate64(ExceptionVector.DivideError, Handler);
            m.Load(64, Handler, a =>
            {
                a.mov(r9, __qword_ptr[rsp]); // the faulting RIP
                a.mov(r10, __qword_ptr[rsp + 16]); // RFLAGS
                a.hlt();
            });
        });

        pair.Run(100_000).Reason.ShouldBe(StopReason.Halt);
        var rip = pair.Tiered.Cpu[Iced.Intel.Register.R9];
        (pair.Tiered.Memory.ReadU64(rip) & 0xFFFF).ShouldBe(0xF748UL, "REX.W F7 /6: the frame points at the DIV");
        pair.Tiered.Cpu.Tiering.Entries.ShouldBeGreaterThan(0);
    }

    /// <summary>A pair running <paramref name="body"/> 1,000 times with RCX counting down from 1,000.</summary>
    private TierPair Loop(Action<Iced.Intel.Assembler> body) => InTier(TierPair.Program64(a =>
    {
        var top = a.CreateLabel();
        a.mov(rcx, 1000);
        a.Label(ref top);
        body(a);
        a.dec(rcx);
        a.jnz(top);
        a.hlt();
    }, Data, 64));

}
