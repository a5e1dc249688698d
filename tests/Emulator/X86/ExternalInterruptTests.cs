using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Devices;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Tests.Emulator.Devices;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>A device's interrupt line through a controller to INTR, taken at an instruction boundary (SDM Vol. 3A §6.8.1).</summary>
[TestFixture]
public class ExternalInterruptTests
{
    /// <summary>Where the vector's interrupt gate leads (a test loads its handler there).</summary>
    internal const ulong Handler = 0x18000;
    private const int Vector = 0x30;

    /// <summary>A port that raises its line when written (a device finishing a request).</summary>
    private sealed class DoorbellPort(IInterruptLine line) : IPortDevice
    {
        public uint Read(ushort port, int size) => 0;

        public void Write(ushort port, int size, uint value) => line.Raise();
    }

    /// <summary>
    /// <paramref name="m"/>, in long mode, with an interrupt gate for the vector to <see cref="Handler"/> and a latching
    /// controller on INTR; with <paramref name="doorbell"/>, a write to port 0x80 raises the controller's line 4.
    /// </summary>
    internal static LatchingController Wire(TestMachine m, bool doorbell)
    {
        m.SetGate64(Vector, Handler);
        m.Cpu.Idtr = new DescriptorTableRegister(TestMachine.IdtBase, 256 * 16 - 1);
        var controller = new LatchingController(Vector) { Output = new InterruptLine(m.Cpu.InterruptInput, 0) };
        m.Cpu.InterruptController = controller;
        if (doorbell)
            m.Cpu.Bus.Register(0x80, 1, new DoorbellPort(new InterruptLine(controller, 4, InterruptTrigger.Edge)));
        return controller;
    }

    private static (TestMachine Machine, LatchingController Controller, ulong AfterOut) Machine()
    {
        var m = new TestMachine();
        m.EnterLong64(TestMachine.CodeBase);
        var controller = Wire(m, doorbell: true);
        m.Load(64, Handler, a =>
        {
            a.mov(r8d, 1);
            a.mov(r9, __qword_ptr[rsp]); // the RIP pushed: where the interrupted code resumes
            a.hlt();
        });
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.@out(0x80, al);
            a.mov(r10d, 1); // runs only after the handler returns
            a.hlt();
        });
        return (m, controller, TestMachine.CodeBase + 2);
    }

    [Test]
    public void A_raised_line_is_taken_after_the_instruction_that_raised_it()
    {
        var (m, controller, afterOut) = Machine();
        using var _ = m;
        m.Cpu.Rflags |= 0x200; // IF

        var result = m.Run();

        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        controller.Acknowledged.ShouldBe(1);
        m.Cpu[Register.R8D].ShouldBe(1UL);
        m.Cpu[Register.R9].ShouldBe(afterOut);
        m.Cpu[Register.R10D].ShouldBe(0UL);
        (m.Cpu.Rflags & 0x200).ShouldBe(0UL, "an interrupt gate clears IF");
    }

    [Test]
    public void A_masked_interrupt_is_not_taken()
    {
        var (m, controller, _) = Machine();
        using var __ = m;

        var result = m.Run();

        result.Reason.ShouldBe(StopReason.Halt);
        controller.Acknowledged.ShouldBe(0);
        m.Cpu[Register.R10D].ShouldBe(1UL);
        m.Cpu.InterruptInput.IsAsserted.ShouldBeTrue("the request stays pending");
    }

    private static (TestMachine Machine, LatchingController Controller, InterruptLine Line) Shadowed(Action<Assembler> code)
    {
        var m = new TestMachine();
        m.EnterLong64(TestMachine.CodeBase);
        var controller = Wire(m, doorbell: false);
        m.Load(64, Handler, a =>
        {
            a.mov(r9, __qword_ptr[rsp]);
            a.hlt();
        });
        m.Load(64, TestMachine.CodeBase, code);
        return (m, controller, new InterruptLine(controller, 4, InterruptTrigger.Edge));
    }

    [Test]
    public void Sti_lets_one_more_instruction_run_before_a_pending_interrupt()
    {
        // SDM Vol. 2B STI: interrupts are recognised at the boundary after the instruction following STI,
        // which is what makes Linux's "sti; hlt" idle race-free.
        var (m, controller, line) = Shadowed(a =>
        {
            a.sti();
            a.mov(r10d, 1); // 6 bytes
            a.mov(r11d, 1);
            a.hlt();
        });
        using var _ = m;
        line.Raise();

        var result = m.Run();

        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        controller.Acknowledged.ShouldBe(1);
        m.Cpu[Register.R10D].ShouldBe(1UL);
        m.Cpu[Register.R11D].ShouldBe(0UL);
        m.Cpu[Register.R9].ShouldBe(TestMachine.CodeBase + 1 + 6);
    }

    [Test]
    public void Sti_followed_by_hlt_wakes_the_halt_not_before_it()
    {
        var (m, controller, line) = Shadowed(a =>
        {
            a.sti();
            a.hlt();
            a.mov(r11d, 1);
            a.hlt();
        });
        using var _ = m;

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu.Rip.ShouldBe(TestMachine.CodeBase + 2, "halted after HLT with IF set");
        line.Raise(); // a device event while the CPU waits
        var result = m.Run();

        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        controller.Acknowledged.ShouldBe(1);
        m.Cpu[Register.R9].ShouldBe(TestMachine.CodeBase + 2, "the interrupt returns after the HLT");
        m.Cpu[Register.R11D].ShouldBe(0UL);
    }

    [Test]
    public void Mov_ss_holds_off_an_interrupt_for_one_instruction()
    {
        // SDM Vol. 3A §6.8.3: after MOV SS the next instruction runs before any interrupt, so a stack
        // switch's MOV SS; MOV RSP pair is never split.
        var (m, controller, line) = Shadowed(a =>
        {
            a.mov(eax, ss); // 2 bytes
            a.mov(ss, eax); // 2 bytes
            a.mov(r10d, 1); // 6 bytes
            a.mov(r11d, 1);
            a.hlt();
        });
        using var _ = m;
        m.Cpu.Rflags |= 0x200;
        m.Run(2).Reason.ShouldBe(StopReason.Budget);
        line.Raise();

        var result = m.Run();

        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        controller.Acknowledged.ShouldBe(1);
        m.Cpu[Register.R10D].ShouldBe(1UL);
        m.Cpu[Register.R11D].ShouldBe(0UL);
        m.Cpu[Register.R9].ShouldBe(TestMachine.CodeBase + 10);
    }

    [Test]
    public void Popf_setting_if_takes_a_pending_interrupt_inside_a_tight_loop()
    {
        // local_irq_restore is POPF: the pending interrupt must not wait for the chain to end (this loop
        // never leaves its chain).
        var (m, controller, line) = Shadowed(a =>
        {
            a.push(0x202);
            a.popfq();
            var spin = a.CreateLabel();
            a.Label(ref spin);
            a.inc(r12);
            a.jmp(spin);
        });
        using var _ = m;
        line.Raise();

        var result = m.Run(10_000);

        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        controller.Acknowledged.ShouldBe(1);
        m.Cpu[Register.R12].ShouldBe(0UL);
    }
}
