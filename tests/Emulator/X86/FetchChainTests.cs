using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>
/// The interpreter's instruction TLB and its chains that follow returns and indirect branches: a code page whose
/// mapping changes runs from its new frame once the TLB is flushed (INVLPG, a CR3 write: SDM Vol. 3A §4.10.4).
/// </summary>
public class FetchChainTests
{
    private const ulong Tables = 0x20_0000;
    private const ulong Function = 0x5555_0000;
    private const ulong FrameOne = 0x70_0000, FrameTwo = 0x71_0000;

    [Test]
    public void A_called_code_page_remapped_by_invlpg_or_a_cr3_write_runs_from_its_new_frame()
    {
        using var m = MachineWithFunction(out var pt, out var leaf);
        pt.IdentityMap(Tables, Tables + 0x10_000);
        m.Memory.Write(FrameTwo, [0xB8, 2, 0, 0, 0, 0xC3]); // mov eax, 2; ret
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(rsi, (long)leaf);
            a.mov(rdi, unchecked((long)Function));
            a.call(rdi);
            a.mov(r8, rax);
            a.call(rdi);
            a.mov(r9, rax);
            a.mov(__qword_ptr[rsi], (int)(FrameTwo | 3));
            a.invlpg(__byte_ptr[rdi]);
            a.call(rdi);
            a.mov(r10, rax);
            a.mov(__qword_ptr[rsi], (int)(FrameOne | 3));
            a.mov(rax, cr3);
            a.mov(cr3, rax);
            a.call(rdi);
            a.mov(r11, rax);
            a.hlt();
        });

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.R8].ShouldBe(1UL);
        m.Cpu[Register.R9].ShouldBe(1UL, "the second call returns through the cached page");
        m.Cpu[Register.R10].ShouldBe(2UL, "INVLPG drops the cached translation");
        m.Cpu[Register.R11].ShouldBe(1UL, "a CR3 write drops every cached translation");
    }

    [Test]
    public void A_code_page_remapped_without_invlpg_runs_from_its_new_frame_once_evicted_from_the_instruction_tlb()
    {
        // Without INVLPG a TLB may keep the old translation (SDM Vol. 3A §4.10.4.3); this engine's instruction TLB keeps
        // it until the page is evicted, and the far-target cache must answer as it does. A call to a RET in a page that
        // shares the function's instruction TLB entry (by the low bits of the page number) evicts the function's page.
        const ulong caller = TestMachine.CodeBase + 0x1000;
        const ulong evictor = ((Function >> 12) & (InstructionTlb<DecodedInstruction>.Size - 1)) << 12;
        using var m = MachineWithFunction(out var pt, out var leaf);
        pt.IdentityMap(Tables, Tables + 0x10_000);
        pt.IdentityMap(evictor, evictor + 0x1000);
        m.Memory.Write(FrameTwo, [0xB8, 2, 0, 0, 0, 0xC3]); // mov eax, 2; ret
        m.Memory.Write(evictor, [0xC3]); // ret
        m.Load(64, caller, a =>
        {
            var loop = a.CreateLabel();
            a.mov(rsi, (long)leaf);
            a.mov(rdi, unchecked((long)Function));
            a.mov(ecx, 3);
            a.Label(ref loop);
            a.call(rdi);
            a.dec(ecx);
            a.jnz(loop);
            a.mov(__qword_ptr[rsi], (int)(FrameTwo | 3));
            a.call(rdi);
            a.mov(r8, rax);
            a.mov(edx, (int)evictor);
            a.call(rdx);
            a.call(rdi);
            a.mov(r9, rax);
            a.hlt();
        });
        m.Cpu.Rip = caller;

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.R8].ShouldBe(1UL, "the instruction TLB still held the old translation");
        m.Cpu[Register.R9].ShouldBe(2UL, "the eviction made the remembered frame stale");
    }

    [Test]
    public void Returns_into_another_page_count_every_instruction()
    {
        // 100 indirect calls into another page and back: 3 before the loop, 5 per iteration (call, mov, ret, dec,
        // jnz), the HLT.
        using var m = MachineWithFunction(out _, out _);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            var loop = a.CreateLabel();
            a.mov(rdi, unchecked((long)Function));
            a.mov(ecx, 100);
            a.xor(eax, eax);
            a.Label(ref loop);
            a.call(rdi);
            a.dec(ecx);
            a.jnz(loop);
            a.hlt();
        });

        var result = m.Run();

        result.Reason.ShouldBe(StopReason.Halt);
        m.Cpu.TotalInstructions.ShouldBe(3UL + 100 * 5 + 1);
    }

    [Test]
    public void A_function_in_another_page_rewritten_between_calls_runs_its_new_code()
    {
        // The chain remembers where a call into another page and the return from it led (the far-target cache); a
        // store into the function's page must make the next call decode the new instruction there.
        using var m = MachineWithFunction(out _, out _);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(rdi, unchecked((long)Function));
            a.call(rdi);
            a.mov(r8, rax);
            a.call(rdi);
            a.mov(r9, rax);
            a.mov(__byte_ptr[rdi + 1], 2); // mov eax, 2
            a.call(rdi);
            a.mov(r10, rax);
            a.hlt();
        });

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.R8].ShouldBe(1UL);
        m.Cpu[Register.R9].ShouldBe(1UL);
        m.Cpu[Register.R10].ShouldBe(2UL, "the store dropped the function page's decoded code");
    }

    [Test]
    public void A_breakpoint_added_after_calls_into_another_page_stops_the_next_call()
    {
        using var m = MachineWithFunction(out _, out _);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            var loop = a.CreateLabel();
            a.mov(rdi, unchecked((long)Function));
            a.mov(ecx, 100);
            a.Label(ref loop);
            a.call(rdi);
            a.dec(ecx);
            a.jnz(loop);
            a.hlt();
        });
        m.Cpu.Run(2 + 10 * 5).Reason.ShouldBe(StopReason.Budget); // ten calls and returns, stopped on the next call

        m.Cpu.AddBreakpoint(Function);
        var result = m.Cpu.Run(1000);

        result.Reason.ShouldBe(StopReason.Breakpoint);
        result.Pc.ShouldBe(Function);
        result.Instructions.ShouldBe(1UL, "the call, then the stop before the function's first instruction");
    }

    [Test]
    public void A_decoded_entry_is_a_whole_number_of_16_byte_units()
    {
        // The chain's links hold an entry's place in 16-byte units (DecodedInstruction.NextAt).
        (System.Runtime.CompilerServices.Unsafe.SizeOf<LoaderHarness.Emulator.X86.DecodedInstruction>() % 16).ShouldBe(0);
    }

    /// <summary>
    /// A long-mode machine with its code and stack identity-mapped and <see cref="Function"/> mapped to
    /// <see cref="FrameOne"/>, which holds <c>mov eax, 1; ret</c>; <paramref name="leaf"/> is that page's PTE address.
    /// </summary>
    private static TestMachine MachineWithFunction(out PageTableBuilder pt, out ulong leaf)
    {
        var m = new TestMachine();
        pt = new PageTableBuilder(m.Memory, PagingFormat.FourLevel, Tables);
        pt.IdentityMap(0, 0x2_0000);
        pt.IdentityMap(TestMachine.StackTop - 0x4000, TestMachine.StackTop);
        m.EnterLong64(TestMachine.CodeBase);
        m.Cpu.Cr3 = pt.Root;
        leaf = pt.Map(Function, FrameOne, PageTableBuilder.Present | PageTableBuilder.Writable);
        m.Memory.Write(FrameOne, [0xB8, 1, 0, 0, 0, 0xC3]); // mov eax, 1; ret
        return m;
    }
}
