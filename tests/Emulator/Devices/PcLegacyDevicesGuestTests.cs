using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Devices;
using LoaderHarness.Emulator.Devices.Time;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Tests.Emulator.X86;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.Devices;

/// <summary>
/// The legacy devices under a real x86 guest: code programs the 8259A pair and the 8254 as Linux does
/// (arch/x86/kernel/i8259.c init_8259A, drivers/clocksource/i8253.c periodic mode), halts, and takes
/// timer interrupts through the IDT while the run loop lets virtual time pass to each device event.
/// </summary>
[TestFixture]
public class PcLegacyDevicesGuestTests
{
    private const ulong Handler = 0x18000;
    private const int TimerVector = 0x30;
    private const int Latch = 1193; // ~1 ms at 1.193182 MHz

    [Test]
    public void Halted_guest_wakes_on_each_pit_tick_through_the_pic()
    {
        using var m = new TestMachine();
        m.EnterLong64(TestMachine.CodeBase);
        m.SetGate64(TimerVector, Handler);
        m.Cpu.Idtr = new DescriptorTableRegister(TestMachine.IdtBase, 256 * 16 - 1);
        var clock = new InstructionClock(1000, () => m.Cpu.TotalInstructions);
        var pc = new PcLegacyDevices(clock);
        pc.ConnectTo(m.Cpu);
        m.Load(64, Handler, a =>
        {
            a.inc(r15);
            a.mov(al, 0x20); // non-specific EOI
            a.@out(0x20, al);
            a.iretq();
        });
        m.Load(64, TestMachine.CodeBase, a =>
        {
            void Out(byte port, byte value)
            {
                a.mov(al, value);
                a.@out(port, al);
            }
            Out(0x20, 0x11); Out(0x21, 0x30); Out(0x21, 0x04); Out(0x21, 0x01);
            Out(0xA0, 0x11); Out(0xA1, 0x38); Out(0xA1, 0x02); Out(0xA1, 0x01);
            Out(0x21, 0xFE); // only IRQ 0
            Out(0xA1, 0xFF);
            Out(0x43, 0x34); // counter 0, LSB/MSB, mode 2
            Out(0x40, Latch & 0xFF);
            Out(0x40, Latch >> 8);
            a.xor(r15d, r15d);
            a.sti();
            var wait = a.CreateLabel();
            a.Label(ref wait);
            a.hlt();
            a.cmp(r15, 4);
            a.jb(wait);
            a.mov(r14d, 1);
            a.cli();
            a.hlt();
        });

        for (var halts = 0; halts < 20; halts++)
        {
            var result = m.Run();
            result.Reason.ShouldBe(StopReason.Halt, result.ToString());
            if (m.Cpu[Register.R14D] != 0)
                break;
            // The CPU waits: an interrupt already pending (held off by STI's shadow over the HLT) wakes it at
            // once; otherwise let time pass to the next device event and deliver it.
            if (m.Cpu.InterruptPending)
                continue;
            clock.SkipTo(pc.NextEventNanoseconds);
            pc.Update();
        }

        m.Cpu[Register.R15].ShouldBe(4UL);
        // One tick from OUT rising when mode 2 was programmed, then three periodic ticks.
        clock.Nanoseconds.ShouldBeInRange(3 * 999_000L, 3 * 1_001_000L);
        pc.Pic.Master.Isr.ShouldBe((byte)0);
    }

    private static (TestMachine Machine, PcLegacyDevices Pc, InstructionClock Clock) Machine()
    {
        var m = new TestMachine();
        m.EnterLong64(TestMachine.CodeBase);
        var clock = new InstructionClock(1000, () => m.Cpu.TotalInstructions);
        var pc = new PcLegacyDevices(clock);
        pc.ConnectTo(m.Cpu);
        return (m, pc, clock);
    }

    [Test]
    public void Pit_calibration_loop_polls_port_61_until_out2_rises()
    {
        // pit_calibrate_tsc (arch/x86/kernel/tsc.c): gate on, speaker off, counter 2 mode 0 with
        // CAL_LATCH, then count polls of port 0x61 bit 5. On instruction time the loop ends after
        // 10 ms of guest instructions, the same number of polls every run.
        const int calLatch = 1193182 / 100;
        var (m, _, clock) = Machine();
        using var __ = m;
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.@in(al, 0x61);
            a.and(al, 0xFD);
            a.or(al, 0x01);
            a.@out(0x61, al);
            a.mov(al, 0xB0);
            a.@out(0x43, al);
            a.mov(al, calLatch & 0xFF);
            a.@out(0x42, al);
            a.mov(al, calLatch >> 8);
            a.@out(0x42, al);
            a.xor(ebx, ebx);
            var poll = a.CreateLabel();
            a.Label(ref poll);
            a.inc(rbx);
            a.@in(al, 0x61);
            a.test(al, 0x20);
            a.jz(poll);
            a.hlt();
        });

        var result = m.Run(100_000_000);

        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        clock.Nanoseconds.ShouldBeInRange(9_999_000L, 10_001_000L);
        var polls = m.Cpu[Register.RBX];
        polls.ShouldBeGreaterThan(1000UL); // CAL_PIT_LOOPS
        var perPoll = (m.Cpu.TotalInstructions - 11) / 4; // eleven set-up instructions, four per poll
        polls.ShouldBeInRange(perPoll - 1, perPoll + 1);
    }

    [Test]
    public void Early_console_bytes_polled_out_of_com1_reach_the_transcript()
    {
        // early_serial_putc (arch/x86/kernel/early_printk.c): wait for LSR.THRE, write THR.
        var (m, pc, _) = Machine();
        using var __ = m;
        var lines = new List<string>();
        pc.Com1.Output.LineCompleted += lines.Add;
        const ulong text = 0x20000;
        m.Memory.Write(text, "Linux version\n\0"u8.ToArray());
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(rsi, text);
            a.mov(dx, 0x3FD);
            var next = a.CreateLabel();
            var wait = a.CreateLabel();
            var done = a.CreateLabel();
            a.Label(ref next);
            a.mov(cl, __byte_ptr[rsi]);
            a.test(cl, cl);
            a.jz(done);
            a.Label(ref wait);
            a.@in(al, dx);
            a.test(al, 0x20);
            a.jz(wait);
            a.mov(al, cl);
            a.mov(dx, 0x3F8);
            a.@out(dx, al);
            a.mov(dx, 0x3FD);
            a.inc(rsi);
            a.jmp(next);
            a.Label(ref done);
            a.hlt();
        });

        m.Run().Reason.ShouldBe(StopReason.Halt);

        pc.Com1.Output.Text.ShouldBe("Linux version\n");
        lines.ShouldBe(["Linux version"]);
    }
}
