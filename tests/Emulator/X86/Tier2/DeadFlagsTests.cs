using LoaderHarness.Emulator.Core;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// Flags an instruction writes that a later one replaces before anything reads them are dead, and a compiled block
/// neither computes nor saves them; live ones (read by a condition, a carry-in or a merge, or there when the block may
/// leave) stay exactly the interpreter's: compared at every budget, in IL and in host code.
/// </summary>
public class DeadFlagsTests(bool hostCode) : BothBackEnds(hostCode)
{
    private const int Iterations = 300;

    [Test]
    public void Dead_and_live_flags_leave_what_the_interpreter_leaves_at_every_budget()
    {
        using var pair = InTier(TierPair.Program64(a =>
        {
            var top = a.CreateLabel();
            a.mov(rcx, Iterations);
            a.mov(r8, 0x9E37_79B9_7F4A_7C15);
            a.Label(ref top);
            a.mov(rax, rcx);
            a.imul(rax, r8); // dead: the SHR replaces them
            a.shr(rax, 7); // dead: the IMUL
            a.imul(rdx, rax, 0x1234567); // dead: the SAR
            a.sar(rdx, 3); // dead: the ROL merges into flags the AND replaces
            a.rol(rdx, 13);
            a.and(rdx, rax); // dead: the INC keeps their CF, and the ADD replaces the rest
            a.inc(r9);
            a.add(r9, rdx); // live: the SETC
            a.setb(r10b);
            a.xor(r11, rax); // dead: the SUB
            a.ror(r11, 9); // dead
            a.sub(r11, rdx); // live: the ADC
            a.adc(r12, r11);
            a.neg(r13); // dead: the SHL
            a.shl(r13, 1);
            a.add(r13, rcx); // dead: the DEC keeps their CF, the JNZ reads the DEC's
            a.dec(rcx);
            a.jnz(top);
            a.hlt();
        }));

        pair.RunInChunksToHalt();
        pair.Tiered.Cpu.Tiering.Entries.ShouldBeGreaterThan(0);
    }
}
