using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// CMPXCHG, CMPXCHG8B/16B and XADD, which a compiled block runs itself: every size, register and memory destinations,
/// comparisons that hold and fail, against the interpreter, and faults (a page not present or read-only) delivered as the
/// interpreter delivers them. CMPXCHG16B on both back ends: <see cref="CompareExchange16Tests"/>.
/// </summary>
[TestFixture]
public class ExchangeTests
{
    private const ulong Data = 0x200000;
    private const int Iterations = 500;

    [Test]
    public void Compare_exchanges_leave_what_the_interpreter_leaves_and_do_not_end_the_block()
    {
        using var pair = CompareExchangeLoop();
        pair.RunToHaltCompiled(Iterations / 2);
        pair.SameMemory(Data, Iterations * 8 + 64);
    }

    [Test]
    public void Compare_exchanges_agree_when_a_budget_stops_anywhere() => CompareExchangeLoop().RunInChunksToHalt();

    [Test]
    public void Exchange_adds_leave_what_the_interpreter_leaves_and_do_not_end_the_block()
    {
        using var pair = ExchangeAddLoop();
        pair.RunToHaltCompiled(Iterations / 2);
        pair.SameMemory(Data, Iterations * 8 + 64);
    }

    [Test]
    public void Exchange_adds_agree_when_a_budget_stops_anywhere() => ExchangeAddLoop().RunInChunksToHalt();

    [Test]
    public void Double_compare_exchanges_leave_what_the_interpreter_leaves_and_do_not_end_the_block()
    {
        using var pair = DoubleLoop();
        pair.RunToHaltCompiled(Iterations / 2);
        pair.SameMemory(Data, Iterations * 16 + 64);
    }

    [Test]
    public void Double_compare_exchanges_agree_when_a_budget_stops_anywhere() => DoubleLoop().RunInChunksToHalt();

    [TestCase(false, TestName = "CMPXCHG on a page not present faults as in the interpreter")]
    [TestCase(true, TestName = "XADD on a page not present faults as in the interpreter")]
    public void A_destination_not_present_faults_as_in_the_interpreter(bool xadd)
        => FaultProgram.PageFaultsLikeTheInterpreter(a =>
        {
            var top = a.CreateLabel();
            a.mov(rbx, 0xF000_0000UL);
            a.Label(ref top);
            a.add(rbx, 0x10_0000);
            a.mov(rax, rcx);
            a.add(rcx, 3);
            a.mov(rdx, rcx);
            if (xadd)
                a.@lock.xadd(__qword_ptr[rbx], rdx);
            else
                a.@lock.cmpxchg(__qword_ptr[rbx], rdx);
            a.adc(r12, rdx);
            a.jmp(top);
        });

    [TestCase(false, TestName = "CMPXCHG whose write faults on a read-only page leaves the registers as the interpreter")]
    [TestCase(true, TestName = "XADD whose write faults on a read-only page leaves the registers as the interpreter")]
    public void A_read_only_destination_faults_on_the_write_as_in_the_interpreter(bool xadd)
        => FaultProgram.PageFaultsLikeTheInterpreter(a =>
        {
            // The read succeeds and the write faults: XADD has already given RDX the old value (Arithmetic.Xadd), CMPXCHG
            // whose comparison failed writes the destination back before it loads the accumulator.
            var top = a.CreateLabel();
            a.mov(rbx, Data);
            a.Label(ref top);
            a.add(rbx, 0x1000);
            a.mov(rax, rcx);
            a.inc(rcx);
            a.lea(rdx, __[rcx * 4 + 1]);
            if (xadd)
                a.xadd(__qword_ptr[rbx], rdx);
            else
                a.cmpxchg(__qword_ptr[rbx], rdx);
            a.add(r12, rdx);
            a.add(r13, rax);
            a.jmp(top);
        }, FaultProgram.ReadOnly2M, expectedCr2: FaultProgram.ReadOnly2M);

    /// <summary>
    /// CMPXCHG in each size on memory and registers (AH among them), the accumulator equal to the destination every third
    /// iteration; each one's flags folded into R12–R15, the accumulator into RBP.
    /// </summary>
    private static TierPair CompareExchangeLoop() => TierPair.Program64(a =>
    {
        var top = a.CreateLabel();
        var equal = a.CreateLabel();
        var go = a.CreateLabel();
        a.mov(rcx, Iterations);
        a.mov(rsi, Data);
        a.Label(ref top);
        a.mov(rax, __qword_ptr[rsi]);
        a.mov(rdx, __qword_ptr[rsi + 8]);
        a.imul(r8, rcx, 0x5556);
        a.and(r8d, 0x10000);                // every third iteration or so: make the accumulator equal
        a.jz(go);
        a.Label(ref equal);
        a.mov(__qword_ptr[rsi], rdx);
        a.mov(rax, rdx);
        a.Label(ref go);
        a.@lock.cmpxchg(__qword_ptr[rsi], rcx);
        Flags.Fold(a);
        a.add(rbp, rax);
        a.cmpxchg(__dword_ptr[rsi + 16], ecx);
        Flags.Fold(a);
        a.add(rbp, rax);
        a.cmpxchg(__word_ptr[rsi + 20], cx);
        Flags.Fold(a);
        a.cmpxchg(__byte_ptr[rsi + 7], cl);
        Flags.Fold(a);
        a.add(rbp, rax);
        a.mov(r8, rdx);
        a.cmpxchg(r8, rcx);                 // register destinations, 64 and 32 bits (zero-extended on either path)
        Flags.Fold(a);
        a.add(rbp, r8);
        a.mov(r8, rdx);
        a.mov(eax, r8d);
        a.cmpxchg(r8d, ecx);
        Flags.Fold(a);
        a.add(rbp, r8);
        a.add(rbp, rax);
        a.mov(rdx, rcx);
        a.cmpxchg(dh, cl);
        Flags.Fold(a);
        a.add(rbp, rdx);
        a.add(rbp, rax);
        a.add(rsi, 8);
        a.dec(rcx);
        a.jnz(top);
        a.hlt();
    }, Data, Iterations * 8 + 64);

    /// <summary>
    /// CMPXCHG8B on the data (CMPXCHG16B's loop, on both back ends, is <see cref="CompareExchange16Tests"/>'s), EDX:EAX equal
    /// to what is there about every other iteration; the flags a byte compare leaves before it (OF often set) must survive
    /// all but ZF.
    /// </summary>
    private static TierPair DoubleLoop() => TierPair.Program64(a =>
    {
        var top = a.CreateLabel();
        var go = a.CreateLabel();
        a.mov(rcx, Iterations);
        a.mov(rsi, Data);
        a.Label(ref top);
        a.mov(eax, __dword_ptr[rsi + 12]);
        a.mov(edx, __dword_ptr[rsi + 16]);
        a.test(cl, 2);
        a.jz(go);
        a.not(edx);                         // differs: EDX:EAX gets what memory holds
        a.Label(ref go);
        a.lea(rbx, __[rcx + 9]);
        a.mov(r8, rcx);
        a.imul(r8, r8, 0x3779);
        a.add(r8b, al);
        a.cmpxchg8b(__qword_ptr[rsi + 12]);
        Flags.Fold(a);
        a.add(rbp, rax);
        a.add(rbp, rdx);
        a.add(rsi, 16);
        a.dec(rcx);
        a.jnz(top);
        a.hlt();
    }, Data, Iterations * 16 + 64);

    /// <summary>XADD in each size on memory and registers; flags folded, the exchanged registers summed into RBP.</summary>
    private static TierPair ExchangeAddLoop() => TierPair.Program64(a =>
    {
        var top = a.CreateLabel();
        a.mov(rcx, Iterations);
        a.mov(rsi, Data);
        a.Label(ref top);
        a.mov(rdx, __qword_ptr[rsi + 8]);
        a.@lock.xadd(__qword_ptr[rsi], rdx);
        Flags.Fold(a);
        a.add(rbp, rdx);
        a.xadd(__dword_ptr[rsi + 12], edx);
        Flags.Fold(a);
        a.add(rbp, rdx);
        a.xadd(__word_ptr[rsi + 2], dx);
        Flags.Fold(a);
        a.xadd(__byte_ptr[rsi + 5], dh);
        Flags.Fold(a);
        a.add(rbp, rdx);
        a.mov(r8, __qword_ptr[rsi + 16]);
        a.xadd(r8, rdx);
        Flags.Fold(a);
        a.add(rbp, r8);
        a.add(rbp, rdx);
        a.xadd(r8d, edx);
        Flags.Fold(a);
        a.add(rbp, r8);
        a.xadd(rdx, rdx);                   // source and destination the same register: the sum wins
        Flags.Fold(a);
        a.add(rbp, rdx);
        a.add(rsi, 8);
        a.dec(rcx);
        a.jnz(top);
        a.hlt();
    }, Data, Iterations * 8 + 64);
}

/// <summary>Programs that end in a page fault, run on both tiers.</summary>
internal static class FaultProgram
{
    public const ulong Handler = 0x18000;

    /// <summary>A 2 MiB page mapped read-only (its PDE without R/W; CR0.WP makes it so at CPL 0, SDM Vol. 3A §4.6).</summary>
    public const ulong ReadOnly2M = 0x40_0000;

    /// <summary>A 2 MiB page of RAM left not present (its PDE 0) when asked: guest memory past RAM reads as all ones, so code that must read what it wrote stays below it.</summary>
    public const ulong NotPresent2M = 0x60_0000;

    /// <summary>
    /// Runs <paramref name="code"/> in long mode on both tiers until it page-faults into a handler that halts (CR2 at
    /// <paramref name="expectedCr2"/>, by default the 4 GiB the page tables end at), and compares the state there and
    /// the top of the stack, where the exception frame lies. The fault must come from compiled code. <paramref name="readOnlyPage"/>
    /// (when not 0) is mapped read-only; <paramref name="unmap"/> leaves <see cref="NotPresent2M"/> not present; <paramref name="tier"/>
    /// (a <see cref="BothBackEnds"/> fixture's) chooses the tiered machine's back end.
    /// </summary>
    public static void PageFaultsLikeTheInterpreter(Action<Assembler> code, ulong readOnlyPage = 0, ulong expectedCr2 = 0x1_0000_0000UL, bool unmap = false,
        Func<TierPair, TierPair>? tier = null)
    {
        using var pair = tier is null ? new TierPair() : tier(new TierPair());
        pair.Both(m =>
        {
            m.Load(64, TestMachine.CodeBase, code);
            m.Load(64, Handler, a => a.hlt());
            m.EnterLong64(TestMachine.CodeBase);
            m.WriteGdt();
            m.SetGate64(ExceptionVector.PageFault, Handler);
            if (readOnlyPage != 0)
                m.Memory.WriteU64(TestMachine.PageTables + 0x2000 + (readOnlyPage >> 21) * 8, readOnlyPage | 0x81);
            if (unmap)
                m.Memory.WriteU64(TestMachine.PageTables + 0x2000 + (NotPresent2M >> 21) * 8, 0);
        });

        pair.Run(100_000).Reason.ShouldBe(StopReason.Halt);
        pair.Tiered.Cpu.Cr2.ShouldBe(expectedCr2);
        pair.SameMemory(TestMachine.StackTop - 0x80, 0x80);
        pair.Tiered.Cpu.Tiering.Retired.ShouldBeGreaterThan(100); // the loop ran compiled up to the fault
    }
}

/// <summary>Folds the flags of the instruction before it into R12–R15 (CF, OF, SF, PF and ZF counted) through SETcc, with R9–R11 and RBX as scratch.</summary>
internal static class Flags
{
    public static void Fold(Assembler a)
    {
        a.setb(r9b);
        a.seto(r10b);
        a.sets(r11b);
        a.setp(bl);
        a.setz(bh);
        a.add(r12, r9);
        a.add(r13, r10);
        a.add(r14, r11);
        a.add(r15, rbx);
    }
}
