using Iced.Intel;
using LoaderHarness.Emulator.Core;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// The tiered engine against the interpreter on the same programs: hot loops compiled, then the same
/// registers, flags, memory, instruction counts and stops, including budgets that end inside compiled
/// code, page faults inside it, self-modifying code and breakpoints set in a loop that is already compiled.
/// </summary>
[TestFixture]
public class TieredEngineTests
{
    private const ulong Data = 0x200000;
    private const ulong Handler = 0x30000;

    /// <summary>A loop over the covered subset: ALU, flags consumers, memory, stack, call/ret.</summary>
    private static void HotLoop(Assembler a)
    {
        var top = a.CreateLabel();
        var sub = a.CreateLabel();
        a.mov(rcx, 1000);
        a.mov(rbx, Data);
        a.xor(eax, eax);
        a.Label(ref top);
        a.add(eax, ecx);
        a.mov(edx, __dword_ptr[rbx + rcx * 4 - 4]);
        a.xor(edx, eax);
        a.mov(__dword_ptr[rbx + rcx * 4 + 0x1000], edx);
        a.imul(edx, edx, 3);
        a.movzx(esi, dl);
        a.movsx(rdi, dx);
        a.lea(r8, __[rsi + rdi * 2 + 7]);
        a.shl(r8, 3);
        a.sar(r8d, 1);
        a.cmp(edx, esi);
        a.setb(r9b);
        a.cmovg(r10, r8);
        a.adc(r11, rdx);
        a.sbb(r12d, eax);
        a.neg(r13);
        a.not(r14);
        a.inc(r15);
        a.add(__byte_ptr[rbx + 8], dl);
        a.test(r8b, 4);
        a.cmove(r12, r11);
        a.push(rax);
        a.pop(r13);
        a.call(sub);
        a.dec(rcx);
        a.jnz(top);
        a.hlt();
        a.Label(ref sub);
        a.add(eax, 1);
        a.ret();
    }

    internal static TierPair LoadHotLoop(int threshold = 2)
    {
        var pair = new TierPair(threshold);
        pair.Both(m =>
        {
            m.Load(64, TestMachine.CodeBase, HotLoop);
            for (ulong i = 0; i < 0x2000; i += 8)
                m.Memory.WriteU64(Data + i, i * 0x9E37_79B9_7F4A_7C15UL);
            m.EnterLong64(TestMachine.CodeBase);
        });
        return pair;
    }

    [Test]
    public void Compiles_a_hot_loop_and_ends_in_the_interpreters_state()
    {
        using var pair = LoadHotLoop();
        var result = pair.Run(1_000_000);
        result.Reason.ShouldBe(StopReason.Halt);
        pair.SameMemory(Data, 0x2000);
        pair.SameMemory(TestMachine.StackTop - 0x100, 0x100);
        var stats = pair.Tiered.Cpu.Tiering;
        stats.Compiled.ShouldBeGreaterThan(0);
        stats.Entries.ShouldBeGreaterThan(0);
        stats.Resident.ShouldBeLessThanOrEqualTo(stats.Capacity);
    }

    [Test]
    public void Stops_at_every_budget_where_the_interpreter_stops()
    {
        using var pair = LoadHotLoop();
        pair.RunInChunksToHalt();
        pair.SameMemory(Data, 0x2000);
        pair.Tiered.Cpu.Tiering.Entries.ShouldBeGreaterThan(0);
    }

    [Test]
    public void A_page_fault_inside_compiled_code_is_delivered_with_the_interpreters_state()
    {
        using var pair = new TierPair();
        pair.Both(m =>
        {
            var top = default(Label);
            m.Load(64, TestMachine.CodeBase, a =>
            {
                top = a.CreateLabel();
                a.mov(rbx, 0xF000_0000UL);
                a.Label(ref top);
                a.mov(rax, __qword_ptr[rbx]);
                a.add(rsi, rax);
                a.inc(rdx);
                a.cmp(rdx, rsi);
                a.add(rbx, 0x10_0000);
                a.jmp(top);
            });
            m.Load(64, Handler, a => a.hlt());
            m.EnterLong64(TestMachine.CodeBase);
            m.WriteGdt();
            m.SetGate64(14, Handler);
        });
        pair.Run(100_000).Reason.ShouldBe(StopReason.Halt);
        pair.Tiered.Cpu.Cr2.ShouldBe(0x1_0000_0000UL);
        pair.SameMemory(TestMachine.StackTop - 0x40, 0x40);
        pair.Tiered.Cpu.Tiering.Compiled.ShouldBeGreaterThan(0);
    }

    [Test]
    public void Self_modifying_code_in_a_compiled_loop_runs_its_new_bytes()
    {
        using var pair = new TierPair(threshold: 1); // the page is emptied every iteration: compile on first sight
        byte[] code = [];
        pair.Both(m =>
        {
            code = m.Load(64, TestMachine.CodeBase, a =>
            {
                var top = a.CreateLabel();
                a.mov(ecx, 100);
                a.mov(ebx, (uint)TestMachine.CodeBase + 12U);
                a.Label(ref top);
                a.add(edx, 1); // 83 C2 ib at +10: the loop rewrites its immediate
                a.mov(__byte_ptr[rbx], cl);
                a.dec(ecx);
                a.jnz(top);
                a.hlt();
            });
            m.EnterLong64(TestMachine.CodeBase);
        });
        code[10..13].ShouldBe(new byte[] { 0x83, 0xC2, 0x01 });
        pair.Run(100_000).Reason.ShouldBe(StopReason.Halt);
        pair.Tiered.Cpu[Register.RDX].ShouldBe(0x600UL + 5050); // EDX starts at the reset signature 0x600
        pair.Tiered.Cpu.Tiering.Compiled.ShouldBeGreaterThan(1);
    }

    [Test]
    public void A_breakpoint_set_in_a_compiled_loop_stops_there_each_iteration()
    {
        using var pair = LoadHotLoop();
        pair.Run(5_000).Reason.ShouldBe(StopReason.Budget);
        pair.Tiered.Cpu.Tiering.Entries.ShouldBeGreaterThan(0);
        // The loop's "dec rcx" sits 8 bytes before the end of the loop body: find it by decoding.
        var dec = FindDecRcx(pair.Interpreter);
        pair.Both(m => m.Cpu.AddBreakpoint(dec));
        for (var i = 0; i < 3; i++)
        {
            var r = pair.Run(1_000_000, $"stop {i}");
            r.Reason.ShouldBe(StopReason.Breakpoint);
            pair.Tiered.Cpu.Rip.ShouldBe(dec);
        }
        pair.Both(m => m.Cpu.RemoveBreakpoint(dec));
        pair.Run(1_000_000).Reason.ShouldBe(StopReason.Halt);
    }

    private static ulong FindDecRcx(TestMachine m)
    {
        var bytes = m.Memory.ReadBytes(TestMachine.CodeBase, 0x200);
        var decoder = Decoder.Create(64, bytes, TestMachine.CodeBase);
        while (true)
        {
            decoder.Decode(out var i);
            if (i.Mnemonic == Mnemonic.Dec && i.Op0Register == Register.RCX)
                return i.IP;
        }
    }
}
