using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// CMPXCHG16B on both back ends (the slab allocator's lockless freelist runs it on every allocation): comparisons that
/// hold and fail, the flags but ZF kept, against the interpreter; a misaligned operand's #GP(0) and a page not present
/// delivered as the interpreter delivers them.
/// </summary>
public class CompareExchange16Tests(bool hostCode) : BothBackEnds(hostCode)
{
    private const ulong Data = 0x200000;
    private const int Iterations = 500;

    [Test]
    public void Double_quadword_compare_exchanges_leave_what_the_interpreter_leaves_and_do_not_end_the_block()
    {
        using var pair = Loop();
        pair.RunToHaltCompiled(Iterations / 2);
        pair.SameMemory(Data, Iterations * 16 + 64);
    }

    [Test]
    public void Double_quadword_compare_exchanges_agree_when_a_budget_stops_anywhere() => Loop().RunInChunksToHalt();

    [Test]
    public void A_misaligned_cmpxchg16b_raises_general_protection_as_in_the_interpreter()
    {
        // RSI steps by 16 inside the compiled loop, then by 24 once: #GP(0) at the CMPXCHG16B, before any access.
        using var pair = InTier(TierPair.Program64(a =>
        {
            var top = a.CreateLabel();
            var go = a.CreateLabel();
            a.mov(rsi, Data);
            a.Label(ref top);
            a.inc(rcx);
            a.add(rsi, 16);
            a.cmp(rcx, 200);
            a.jne(go);
            a.add(rsi, 8);
            a.Label(ref go);
            a.cmp(cl, 0x7F);
            a.@lock.cmpxchg16b(__xmmword_ptr[rsi]);
            a.adc(r12, rax);
            a.jmp(top);
        }, Data, 0x1000));
        pair.Both(m =>
        {
            m.Load(64, FaultProgram.Handler, a => a.hlt());
            m.SetGate64(ExceptionVector.GeneralProtection, FaultProgram.Handler);
        });
        pair.Run(100_000).Reason.ShouldBe(StopReason.Halt);
        pair.Tiered.Cpu.Rip.ShouldBe(FaultProgram.Handler + 1);
        pair.SameMemory(TestMachine.StackTop - 0x80, 0x80);
        pair.Tiered.Cpu.Tiering.Retired.ShouldBeGreaterThan(100); // the loop ran compiled up to the fault
    }

    [Test]
    public void A_cmpxchg16b_on_a_page_not_present_faults_as_in_the_interpreter()
        => FaultProgram.PageFaultsLikeTheInterpreter(a =>
        {
            var top = a.CreateLabel();
            a.mov(rbx, 0xF000_0000UL);
            a.Label(ref top);
            a.add(rbx, 0x10_0000);
            a.inc(rax);
            a.cmpxchg16b(__xmmword_ptr[rbx]);
            a.adc(r12, rdx);
            a.jmp(top);
        }, tier: InTier);

    /// <summary>
    /// CMPXCHG16B on the data, RDX:RAX equal to what is there every other iteration, RCX:RBX what it writes; the flags a
    /// byte compare leaves before it (OF often set) must survive all but ZF.
    /// </summary>
    private TierPair Loop() => InTier(TierPair.Program64(a =>
    {
        var top = a.CreateLabel();
        var go = a.CreateLabel();
        a.mov(rdi, Iterations);
        a.mov(rsi, Data);
        a.Label(ref top);
        a.mov(rax, __qword_ptr[rsi]);
        a.mov(rdx, __qword_ptr[rsi + 8]);
        a.test(dil, 2);
        a.jz(go);
        a.not(rdx);                         // differs: RDX:RAX gets what memory holds
        a.Label(ref go);
        a.lea(rbx, __[rdi + 5]);
        a.lea(rcx, __[rdi * 8 + 3]);
        a.mov(r8, rdi);
        a.imul(r8, r8, 0x3779);
        a.cmp(r8b, al);
        a.@lock.cmpxchg16b(__xmmword_ptr[rsi]);
        Flags.Fold(a);
        a.add(rbp, rax);
        a.xor(rbp, rdx);
        a.add(rsi, 16);
        a.dec(rdi);
        a.jnz(top);
        a.hlt();
    }, Data, Iterations * 16 + 64));
}
