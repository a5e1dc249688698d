using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// CBW, CWDE, CDQE, CWD, CDQ, CQO, BSWAP and the hints and fences the interpreter runs as NOPs (PREFETCHh, LFENCE,
/// MFENCE, SFENCE, SERIALIZE, ENDBR64), which a compiled block now runs itself: the same registers as the interpreter for
/// accumulators of either sign, and no block ends at them; in IL and in host code.
/// </summary>
public class AccumulatorAndHintTests(bool hostCode) : BothBackEnds(hostCode)
{
    private const ulong Data = 0x200000;
    private const int Iterations = 600;

    [Test]
    public void Sign_extensions_and_byte_swaps_leave_what_the_interpreter_leaves()
    {
        using var pair = Loop();
        pair.Run(200_000).Reason.ShouldBe(StopReason.Halt);
        pair.Tiered.Cpu.Tiering.Entries.ShouldBeLessThan(Iterations / 2); // left to the interpreter, each ended the block
    }

    [Test]
    public void They_agree_when_a_budget_stops_anywhere() => Loop().RunInChunksToHalt();

    [Test]
    public void Serialize_is_announced() // SDM Vol. 2A CPUID leaf 7 EDX[14]; Linux's sync_core() takes it when it is there
        => (CpuIdTable.Default().Query(7, 0).Edx & (1u << 14)).ShouldNotBe(0u);

    /// <summary>
    /// RAX walks values of both signs in each width (a multiplicative hash of the counter); every form's result is
    /// folded into R12–R15 so a wrong one shows at the end.
    /// </summary>
    private TierPair Loop()
    {
        var pair = TierPair.Program64(a =>
        {
            var top = a.CreateLabel();
            a.mov(rcx, Iterations);
            a.mov(r8, 0x9E37_79B9_7F4A_7C15);
            a.Label(ref top);
            a.prefetcht0(__byte_ptr[Data + 64]);
            a.endbr64();
            a.mov(rax, rcx);
            a.imul(rax, r8);
            a.cbw();
            a.add(r12, rax);
            a.cwde();
            a.xor(r13, rax);
            a.cdqe();
            a.add(r14, rax);
            a.cwd();
            a.add(r15, rdx);
            a.lfence();
            a.serialize();
            a.cdq();
            a.add(r12, rdx);
            a.ror(rax, 29);
            a.cqo();
            a.xor(r13, rdx);
            a.prefetchnta(__byte_ptr[rsi + 8]);
            a.mov(r9, rax);
            a.bswap(r9);
            a.add(r14, r9);
            a.mfence();
            a.mov(r10d, eax);
            a.bswap(r10d);
            a.add(r15, r10);
            a.sfence();
            a.pause();
            a.dec(rcx);
            a.jnz(top);
            a.hlt();
        }, Data, 128);
        return InTier(pair);
    }
}
