using LoaderHarness.Emulator.Core;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// BT, BTS, BTR and BTC, which a compiled block runs itself, in IL and in host code: register and immediate offsets on
/// registers and memory, a register offset reaching before and beyond a memory operand (SDM Vol. 2A BT, "Bit(BitBase,
/// BitOffset)"), CF the bit and the other flags kept as the interpreter keeps them.
/// </summary>
public class BitTestTests(bool hostCode) : BothBackEnds(hostCode)
{
    private const ulong Data = 0x200000;
    private const int Iterations = 500;

    [Test]
    public void Bit_tests_leave_what_the_interpreter_leaves_and_do_not_end_the_block()
    {
        using var pair = Loop();
        pair.RunToHaltCompiled(Iterations / 2);
        pair.SameMemory(Data, 0x1000);
    }

    [Test]
    public void Bit_tests_agree_when_a_budget_stops_anywhere() => Loop().RunInChunksToHalt();

    [Test]
    public void A_register_offset_that_reaches_an_unmapped_page_faults_there_as_in_the_interpreter()
        => FaultProgram.PageFaultsLikeTheInterpreter(a =>
        {
            // The base stays below 4 GiB; the offset (bits, eight per byte) walks past it.
            var top = a.CreateLabel();
            a.mov(rbx, 0xFFFF_0000UL);
            a.mov(rdx, 0);
            a.Label(ref top);
            a.add(rdx, 0x100 * 8);
            a.cmp(rcx, rdx);                 // flags of a known producer that BTS keeps (all but CF)
            a.bts(__qword_ptr[rbx], rdx);
            a.adc(r12, rcx);
            a.inc(rcx);
            a.jmp(top);
        }, tier: InTier);

    /// <summary>
    /// Every form with offsets from the data (signed: register offsets into memory go below the operand too), each one's
    /// flags folded (<see cref="Flags.Fold"/>) after producers of every kind (CMP, ADD, logic, INC, a shift's explicit bits).
    /// </summary>
    private TierPair Loop() => InTier(TierPair.Program64(a =>
    {
        var top = a.CreateLabel();
        a.mov(rcx, Iterations);
        a.mov(rsi, Data + 0x800);
        a.Label(ref top);
        a.mov(rdx, __qword_ptr[rsi + rcx * 1 - 0x100]);
        a.mov(r8, rdx);
        a.cmp(dl, dh);                      // byte producers of random operands: OF set about a quarter of the time
        a.bt(r8, rcx);
        Flags.Fold(a);
        a.add(dl, dh);
        a.bts(r8d, edx);
        Flags.Fold(a);
        a.and(rdx, rcx);
        a.btr(r8, 45);
        Flags.Fold(a);
        a.inc(rdx);
        a.btc(r8w, dx);
        Flags.Fold(a);
        a.add(rbp, r8);
        a.shl(rdx, 3);
        a.bt(__qword_ptr[rsi], 63);
        Flags.Fold(a);
        a.movsx(rax, dx);                   // a signed 16-bit offset: up to 4 KiB either side of RSI
        a.sub(dh, dl);
        a.bts(__qword_ptr[rsi], rax);
        Flags.Fold(a);
        a.movsx(eax, dl);
        a.cmp(dh, __byte_ptr[rsi + rcx]);
        a.btr(__dword_ptr[rsi + 4], eax);
        Flags.Fold(a);
        a.btc(__word_ptr[rsi + 2], dx);
        Flags.Fold(a);
        a.cdqe();                           // a signed offset near the operand: RAM, which host code reaches through its TLB
        a.sub(rax, rcx);
        a.bt(__qword_ptr[rsi + 8], rax);
        Flags.Fold(a);
        a.btc(__dword_ptr[rsi], 17);
        Flags.Fold(a);
        a.dec(rcx);
        a.jnz(top);
        a.hlt();
    }, Data, 0x1000));
}
