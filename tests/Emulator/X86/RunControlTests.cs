using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>Stop reasons, breakpoints, self-modifying code, port I/O, tracing and access recording.</summary>
[TestFixture]
public class RunControlTests
{
    private static TestMachine Long(Action<Assembler> build)
    {
        var m = new TestMachine();
        m.Load(64, TestMachine.CodeBase, build);
        m.EnterLong64(TestMachine.CodeBase);
        return m;
    }

    [Test]
    public void Budget_stops_with_the_instruction_count()
    {
        using var m = Long(a =>
        {
            var top = a.CreateLabel();
            a.Label(ref top);
            a.inc(rax);
            a.jmp(top);
        });

        var r = m.Run(1001);

        r.Reason.ShouldBe(StopReason.Budget);
        r.Instructions.ShouldBe(1001UL);
        m.Cpu[Register.RAX].ShouldBe(501UL);
    }

    [Test]
    public void Jump_to_itself_is_a_self_loop_stop()
    {
        // for(;;) in __startup_64 when the load address is not 2 MiB aligned (arch/x86/kernel/head64.c).
        using var m = Long(a =>
        {
            a.nop();
            var self = a.CreateLabel();
            a.Label(ref self);
            a.jmp(self);
        });

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.SelfLoop);
        r.Pc.ShouldBe(TestMachine.CodeBase + 1);
    }

    [Test]
    public void Unimplemented_instruction_stops_before_it_with_mnemonic_and_address()
    {
        using var m = Long(a =>
        {
            a.nop();
            a.aesenc(xmm0, xmm1);
        });

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Unimplemented);
        r.Pc.ShouldBe(TestMachine.CodeBase + 1);
        r.Instructions.ShouldBe(1UL);
        r.Detail.ShouldNotBeNull().ShouldStartWith($"unimplemented: aesenc at 0x{TestMachine.CodeBase + 1:x}");
    }

    [Test]
    public void Breakpoint_stops_before_the_instruction_and_run_resumes_past_it()
    {
        using var m = Long(a =>
        {
            a.mov(eax, 1);
            a.mov(ebx, 2);
            a.hlt();
        });
        m.Cpu.AddBreakpoint(TestMachine.CodeBase + 5);

        var first = m.Run();
        var rbxAtBreakpoint = m.Cpu[Register.RBX];
        var second = m.Run();

        first.Reason.ShouldBe(StopReason.Breakpoint);
        first.Pc.ShouldBe(TestMachine.CodeBase + 5);
        rbxAtBreakpoint.ShouldBe(0UL);
        second.Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.RBX].ShouldBe(2UL);
    }

    [Test]
    public void Stop_address_reports_address_reached()
    {
        using var m = Long(a =>
        {
            a.nop();
            a.nop();
            a.hlt();
        });
        m.Cpu.AddStopAddress(TestMachine.CodeBase + 2);

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.AddressReached);
        r.Instructions.ShouldBe(2UL);
    }

    [Test]
    public void Fetch_outside_ram_stops()
    {
        using var m = Long(a =>
        {
            a.mov(eax, 0xF000_0000); // mapped by the identity map, but beyond the 16 MiB of RAM
            a.jmp(rax);
        });

        m.Run().Reason.ShouldBe(StopReason.FetchOutsideRam);
    }

    [Test]
    public void Write_into_decoded_code_is_seen_by_the_next_execution()
    {
        // Kernel alternatives/jump labels patch code that already ran: a loop whose immediate is rewritten.
        using var m = Long(a =>
        {
            var patch = a.CreateLabel();
            a.Label(ref patch);
            a.add(rbx, 1);                       // 48 83 C3 01: immediate at +3
            a.inc(ecx);
            a.lea(rdx, __[patch]);
            a.mov(__byte_ptr[rdx + 3], 0x10);    // next iteration adds 16
            a.cmp(ecx, 3);
            a.jne(patch);
            a.hlt();
        });

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        m.Cpu[Register.RBX].ShouldBe(1UL + 16 + 16);
    }

    [Test]
    public void Write_just_ahead_in_the_same_page_changes_the_next_instruction()
    {
        using var m = Long(a =>
        {
            var next = a.CreateLabel();
            a.lea(rdx, __[next]);
            a.mov(__byte_ptr[rdx + 1], 0x2A);
            a.Label(ref next);
            a.mov(al, 1);                        // B0 01 becomes B0 2A
            a.hlt();
        });

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.AL].ShouldBe(0x2AUL);
    }

    [Test]
    public void Debug_exit_port_stops_with_the_written_value()
    {
        // QEMU isa-debug-exit: exit status (value << 1) | 1 (hw/misc/debugexit.c).
        using var m = Long(a =>
        {
            a.mov(al, 0x21);
            a.@out(0xF4, al);
            a.hlt();
        });

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.ExitPort);
        m.Cpu.DebugExit.ExitCode.ShouldBe(0x43);
        r.Pc.ShouldBe(TestMachine.CodeBase + 4, "the OUT completed");
    }

    [Test]
    public void Port_e9_console_collects_rep_outsb_output_and_unclaimed_ports_read_all_ones()
    {
        using var m = Long(a =>
        {
            var text = a.CreateLabel();
            a.lea(rsi, __[text]);
            a.mov(ecx, 5);
            a.mov(dx, 0xE9);
            a.rep.outsb();
            a.@in(al, 0x80);
            a.mov(bl, al);
            a.@in(al, dx);
            a.hlt();
            a.Label(ref text);
            a.db("hello"u8.ToArray());
        });

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu.DebugConsole.Text.ShouldBe("hello");
        m.Cpu[Register.BL].ShouldBe(0xFFUL);
        m.Cpu[Register.AL].ShouldBe(0xE9UL, "reading port 0xE9 returns 0xE9 (QEMU hw/char/debugcon.c)");
    }

    [Test]
    public void Trace_formats_each_instruction_with_symbols()
    {
        using var m = Long(a =>
        {
            a.mov(eax, 1);
            a.hlt();
        });
        var output = new StringWriter();
        m.Cpu.Tracer = new Tracer(output, address => address == TestMachine.CodeBase ? "startup_64" : null, TraceSyntax.Intel);

        m.Run();

        // Indented lines carry the registers that changed before each instruction (all of them before the first).
        var all = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var lines = all.Where(l => !l.StartsWith("  ", StringComparison.Ordinal)).Select(l => l.Trim()).ToArray();
        lines.ShouldBe(["<startup_64>:", $"{TestMachine.CodeBase:x16}  {"b801000000",-16}  mov eax,1", $"{TestMachine.CodeBase + 5:x16}  {"f4",-16}  hlt"]);
        var registers = all.Where(l => l.StartsWith("  ", StringComparison.Ordinal)).ToArray();
        registers.Length.ShouldBe(2);
        registers[0].ShouldContain(" rax=0 ");
        registers[0].ShouldContain(" efer=");
        registers[1].Trim().ShouldBe("rax=1", "only EAX changed: RIP is the next line's address, and MOV leaves the flags alone");
    }

    [Test]
    public void Instruction_hook_sees_every_executed_address_in_order()
    {
        using var m = Long(a =>
        {
            var top = a.CreateLabel();
            a.mov(ecx, 2);
            a.Label(ref top);
            a.dec(ecx);
            a.jnz(top);
            a.hlt();
        });
        var seen = new List<ulong>();
        m.Cpu.InstructionHook = seen.Add;

        var result = m.Run();

        const ulong b = TestMachine.CodeBase;
        seen.ShouldBe([b, b + 5, b + 7, b + 5, b + 7, b + 9]);
        result.Instructions.ShouldBe((ulong)seen.Count);
    }

    [Test]
    public void Watched_range_records_reads_and_writes_with_rip()
    {
        using var m = Long(a =>
        {
            a.mov(edi, 0x9_0000);
            a.mov(eax, __dword_ptr[rdi + 0x230]);
            a.mov(__dword_ptr[rdi + 0x1E4], 7);
            a.mov(ebx, __dword_ptr[rdi + 0x400]);
            a.hlt();
        });
        m.Memory.WriteU32(0x9_0230, 0x0100_0000);
        m.Cpu.WatchPhysical(0x9_0000, 0x300);

        m.Run().Reason.ShouldBe(StopReason.Halt);

        m.Cpu.RecordedAccesses.ShouldBe([
            new MemoryAccess(false, 0x9_0230, 4, 0x0100_0000, TestMachine.CodeBase + 5),
            new MemoryAccess(true, 0x9_01E4, 4, 7, TestMachine.CodeBase + 11),
        ]);
    }
}
