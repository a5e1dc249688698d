using LoaderHarness.Emulator.Core;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// One-operand MUL and IMUL of 32 and 64 bits, which a compiled block computes itself, in IL and in host code: RDX:RAX and
/// the flags (CF = OF when the high half is more than the low half's extension, SDM Vol. 2A MUL and IMUL) against the
/// interpreter, for register and memory operands, with and without a use of the flags after them.
/// </summary>
public class MultiplyWideTests(bool hostCode) : BothBackEnds(hostCode)
{
    private const ulong Data = 0x200000;
    private const int Iterations = 1000;

    [Test]
    public void Products_and_flags_are_the_interpreters_and_the_multiplications_do_not_end_the_block()
    {
        using var pair = InTier(TierPair.Program64(a =>
        {
            var top = a.CreateLabel();
            a.mov(rcx, Iterations);
            a.mov(rsi, Data);
            a.Label(ref top);
            a.mov(rax, __qword_ptr[rsi]);
            a.mul(__qword_ptr[rsi + 8]);      // unsigned 64 × 64: a high half, CF = OF = 1 mostly
            a.setc(r8b);
            a.add(r12, rdx);
            a.add(r13, r8);
            a.mov(eax, __dword_ptr[rsi + 16]);
            a.mov(r9d, 3);
            a.mul(r9d);                        // 32 bits: EDX:EAX, both zero-extended
            a.adc(r14, rax);                   // reads CF
            a.add(r15, rdx);
            a.mov(rax, rcx);
            a.sub(rax, Iterations / 2);       // negative in half the passes
            a.mov(r10, -7);
            a.imul(r10);                       // signed 64: RDX the sign of the product, CF = OF = 0
            a.seto(r8b);
            a.add(r13, r8);
            a.add(r12, rax);
            a.xor(r14, rdx);
            a.mov(eax, __dword_ptr[rsi + 20]);
            a.imul(__dword_ptr[rsi + 4]);     // signed 32 from memory, overflowing or not by the data
            a.add(r15, rax);
            a.add(r12, rdx);
            a.add(rsi, 24);
            a.dec(rcx);
            a.jnz(top);
            a.hlt();
        }, Data, Iterations * 24 + 64));

        pair.RunToHaltCompiled(Iterations / 2); // left to the interpreter, each multiplication ended the block
    }

    [Test]
    public void Products_agree_when_a_budget_stops_anywhere() =>
        InTier(TierPair.Program64(a =>
        {
            var top = a.CreateLabel();
            a.mov(rcx, Iterations);
            a.Label(ref top);
            a.mov(rax, rcx);
            a.mul(rcx);
            a.add(r12, rax);
            a.mov(eax, ecx);
            a.imul(ecx);
            a.cmovo(r13, rdx);
            a.dec(rcx);
            a.jnz(top);
            a.hlt();
        }, Data, 64)).RunInChunksToHalt();
}
