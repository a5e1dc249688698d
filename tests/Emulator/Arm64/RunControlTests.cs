using LoaderHarness.Emulator.Arm64;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Devices;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64;

/// <summary>How runs end (typed stop reasons, never an exception), breakpoints, self-modifying code, firmware calls, the UART and access recording.</summary>
[TestFixture]
public class RunControlTests
{
    [Test]
    public void Budget_stops_the_run_and_resuming_continues()
    {
        using var m = new Arm64TestMachine();
        m.Load("1: add x0, x0, #1\n b 1b");
        m.Cpu.Pc = Arm64TestMachine.CodeBase;
        var first = m.Cpu.Run(1000);
        var second = m.Cpu.Run(1000);
        first.Reason.ShouldBe(StopReason.Budget);
        first.Instructions.ShouldBe(1000UL);
        second.Instructions.ShouldBe(1000UL);
        m.Cpu[0].ShouldBe(1000UL);
        m.Cpu.TotalInstructions.ShouldBe(2000UL);
    }

    [Test]
    public void Wfi_halts_after_the_instruction()
    {
        using var m = new Arm64TestMachine();
        var result = m.Run("nop");
        result.Reason.ShouldBe(StopReason.Halt);
        result.Pc.ShouldBe(Arm64TestMachine.CodeBase + 8);
    }

    [Test]
    public void Wfe_consumes_a_pending_event_and_halts_without_one()
    {
        using var m = new Arm64TestMachine();
        m.Load("sevl\n wfe\n mov x0, #1\n wfe\n mov x1, #1");
        m.Cpu.Pc = Arm64TestMachine.CodeBase;
        var result = m.Cpu.Run(100);
        result.Reason.ShouldBe(StopReason.Halt);
        result.Detail.ShouldNotBeNull().ShouldContain("wfe");
        m.Cpu[0].ShouldBe(1UL);
        m.Cpu[1].ShouldBe(0UL);
    }

    [TestCase("b .", "b . at")]
    [TestCase("1: yield\n b 1b", "cpu_relax")]
    public void Spin_loops_stop_as_self_loop(string source, string detail)
    {
        using var m = new Arm64TestMachine();
        var result = m.Run(source);
        result.Reason.ShouldBe(StopReason.SelfLoop, result.ToString());
        result.Detail.ShouldNotBeNull().ShouldContain(detail);
        result.Instructions.ShouldBeLessThan(4UL);
    }

    [Test]
    public void Unimplemented_instruction_names_mnemonic_and_address()
    {
        using var m = new Arm64TestMachine();
        var result = m.Run("nop\n fmov d0, #2.0");
        result.Reason.ShouldBe(StopReason.Unimplemented);
        result.Pc.ShouldBe(Arm64TestMachine.CodeBase + 4);
        result.Detail.ShouldBe($"fmov d0, #2.00000000 at 0x{Arm64TestMachine.CodeBase + 4:x}");
        result.Instructions.ShouldBe(1UL);
    }

    [Test]
    public void Undefined_word_stops_instead_of_crashing()
    {
        using var m = new Arm64TestMachine();
        var result = m.Run(".inst 0x00000000");
        result.Reason.ShouldBe(StopReason.Unimplemented);
        result.Detail.ShouldBe($"undefined instruction 0x00000000 at 0x{Arm64TestMachine.CodeBase:x}");
    }

    [Test]
    public void Unknown_system_register_stops_with_its_name()
    {
        using var m = new Arm64TestMachine();
        var result = m.Run("mrs x0, scr_el3");
        result.Reason.ShouldBe(StopReason.Unimplemented);
        result.Detail.ShouldBe($"mrs x0, scr_el3 at 0x{Arm64TestMachine.CodeBase:x}");
    }

    [Test]
    public void Fetch_outside_ram_stops()
    {
        using var m = new Arm64TestMachine();
        var result = m.Run("mov x0, #0x1000\n br x0");
        result.Reason.ShouldBe(StopReason.FetchOutsideRam);
        result.Pc.ShouldBe(0x1000UL);
    }

    [Test]
    public void Breakpoint_stops_before_and_resume_steps_over_it()
    {
        using var m = new Arm64TestMachine();
        m.Load("mov x0, #1\n mov x1, #2\n mov x2, #3\n wfi");
        m.Cpu.Pc = Arm64TestMachine.CodeBase;
        m.Cpu.AddBreakpoint(Arm64TestMachine.CodeBase + 4);
        var first = m.Cpu.Run(100);
        first.Reason.ShouldBe(StopReason.Breakpoint);
        first.Pc.ShouldBe(Arm64TestMachine.CodeBase + 4);
        m.Cpu[1].ShouldBe(0UL);
        var second = m.Cpu.Run(100);
        second.Reason.ShouldBe(StopReason.Halt);
        m.Cpu[2].ShouldBe(3UL);
    }

    [Test]
    public void A_taken_fault_does_not_use_up_the_budget()
    {
        // The load faults (an address beyond 48 bits with the MMU off: address size fault, Arm ARM D8.2);
        // the exception entry is not an instruction, so a budget of 2 runs the handler's first two. (Taking a
        // fault used to count twice against the budget: this run ended before the handler, and with a budget
        // of 1 the count wrapped and the run went on without limit.)
        using var m = new Arm64TestMachine();
        m.Load("""
                ldr x0, [x1]
                .balign 2048
            vectors:
                .skip 0x200
            1:  add x2, x2, #1
                b 1b
            """);
        m.Cpu.WriteSystemRegister("VBAR_EL1", Arm64TestMachine.CodeBase + 2048);
        m.Cpu[1] = 1UL << 50;
        m.Cpu.Pc = Arm64TestMachine.CodeBase;

        var result = m.Cpu.Run(2);

        result.Reason.ShouldBe(StopReason.Budget, result.ToString());
        result.Instructions.ShouldBe(2UL);
        m.Cpu[2].ShouldBe(1UL);
        m.Cpu.ExceptionsTaken.ShouldBe(1UL);
    }

    [Test]
    public void Stores_over_cached_code_take_effect()
    {
        using var m = new Arm64TestMachine();
        // Runs "patch" once as "mov x0, #1", then overwrites it with "mov x0, #2" (0xd2800040) and runs it again.
        var result = m.Run("""
            mov x3, #0
            again: bl patch
            add x3, x3, #1
            cmp x3, #2
            b.eq done
            adr x1, patch
            ldr w2, =0xd2800040
            str w2, [x1]
            b again
            patch: mov x0, #1
            ret
            done:
            """);
        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        m.Cpu[0].ShouldBe(2UL);
    }

    [Test]
    public void Psci_calls_are_answered_and_system_off_ends_the_run()
    {
        using var m = new Arm64TestMachine();
        // PSCI 0.2 function IDs (Arm DEN0022 §5): PSCI_VERSION, an unknown SMCCC call, SYSTEM_OFF.
        var result = m.Run("""
            ldr x0, =0x84000000
            hvc #0
            mov x19, x0
            ldr x0, =0x8400ff00
            smc #0
            mov x20, x0
            ldr x0, =0x84000008
            hvc #0
            """);
        result.Reason.ShouldBe(StopReason.PowerOff, result.ToString());
        m.Cpu[19].ShouldBe(Psci.Version02);
        m.Cpu[20].ShouldBe(unchecked((ulong)Psci.NotSupported));
        m.Cpu.FirmwareCalls.Select(c => c.Function).ShouldBe([Psci.Version, 0x8400_FF00u, Psci.SystemOff]);
        m.Cpu.FirmwareCalls[1].Conduit.ShouldBe("smc");
    }

    [Test]
    public void Uart_text_is_captured()
    {
        using var m = new Arm64TestMachine();
        m.Run($"""
            ldr x1, ={Pl011Uart.VirtBase}
            mov w0, #'h'
            strb w0, [x1]
            mov w0, #'i'
            strb w0, [x1]
            ldr w2, [x1, #0x18]
            """);
        m.Cpu.Uart.Text.ShouldBe("hi");
        m.Cpu[2].ShouldBe(0x90UL);
    }

    [Test]
    public void Watched_range_records_reads_and_writes_with_pc()
    {
        using var m = new Arm64TestMachine();
        m.Cpu.WatchPhysical(Arm64TestMachine.DataBase, 16);
        m.Run($"""
            ldr x1, ={Arm64TestMachine.DataBase}
            ldr x2, [x1, #8]
            mov x3, #5
            str w3, [x1, #4]
            ldr x4, [x1, #64]
            """);
        m.Cpu.RecordedAccesses.ShouldBe([
            new MemoryAccess(false, Arm64TestMachine.DataBase + 8, 8, 0, Arm64TestMachine.CodeBase + 4),
            new MemoryAccess(true, Arm64TestMachine.DataBase + 4, 4, 5, Arm64TestMachine.CodeBase + 12),
        ]);
    }

    [Test]
    public void Decoded_instructions_are_cached()
    {
        using var m = new Arm64TestMachine();
        m.Run("mov x0, #100\n 1: subs x0, x0, #1\n b.ne 1b");
        m.Cpu.TotalInstructions.ShouldBe(202UL);
        m.Cpu.DecodedInstructions.ShouldBe(4UL);
    }
}
