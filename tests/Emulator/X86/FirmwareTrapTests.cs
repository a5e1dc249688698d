using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>The engine's firmware trap: the firmware runs at the instruction boundary, then the instruction there.</summary>
[TestFixture]
public sealed class FirmwareTrapTests
{
    private sealed class Counting : IX86Firmware
    {
        public readonly List<(ulong Linear, ulong Eax)> Calls = [];
        public bool Refuse;

        public void Service(X86Cpu cpu, ulong linear)
        {
            Calls.Add((linear, cpu[Register.EAX]));
            if (Refuse)
                cpu.RequestStop(StopReason.UnansweredFirmwareCall, "refused");
            else
                cpu[Register.EBX] = cpu[Register.EAX] + 1;
        }
    }

    /// <summary>A 32-bit loop calling a trapped <c>ret</c> three times, then HLT.</summary>
    private static (TestMachine M, ulong Trap) Machine()
    {
        var m = new TestMachine();
        m.WriteGdt();
        const ulong code = TestMachine.CodeBase;
        var bytes = m.Load(32, code, a =>
        {
            var loop = a.CreateLabel();
            var service = a.CreateLabel();
            a.xor(edx, edx);
            a.mov(ecx, 3);
            a.Label(ref loop);
            a.mov(eax, ecx);
            a.call(service);
            a.add(edx, ebx);
            a.loop(loop);
            a.hlt();
            a.Label(ref service);
            a.ret();
        });
        m.EnterProtected32(code);
        m.Cpu[Register.ESP] = TestMachine.StackTop;
        return (m, code + (ulong)bytes.Length - 1);
    }

    [Test]
    public void The_firmware_runs_before_the_trapped_instruction_once_per_arrival()
    {
        var (m, trap) = Machine();
        using var _ = m;
        var firmware = new Counting();
        m.Cpu.Firmware = firmware;
        m.Cpu.AddFirmwareTrap(trap);

        m.Run().Reason.ShouldBe(StopReason.Halt);

        firmware.Calls.ShouldBe([(trap, 3UL), (trap, 2UL), (trap, 1UL)]);
        m.Cpu[Register.EDX].ShouldBe(4UL + 3 + 2); // EBX = EAX + 1 each time, then the ret returned
    }

    [Test]
    public void A_refusing_firmware_stops_before_the_instruction()
    {
        var (m, trap) = Machine();
        using var _ = m;
        m.Cpu.Firmware = new Counting { Refuse = true };
        m.Cpu.AddFirmwareTrap(trap);

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.UnansweredFirmwareCall);
        r.Pc.ShouldBe(trap);
    }

    [Test]
    public void A_breakpoint_at_a_trap_stops_first_and_the_firmware_runs_on_resume()
    {
        var (m, trap) = Machine();
        using var _ = m;
        var firmware = new Counting();
        m.Cpu.Firmware = firmware;
        m.Cpu.AddFirmwareTrap(trap);
        m.Cpu.AddBreakpoint(trap);

        m.Run().Reason.ShouldBe(StopReason.Breakpoint);
        firmware.Calls.ShouldBeEmpty();
        m.Run().Reason.ShouldBe(StopReason.Breakpoint);
        firmware.Calls.Count.ShouldBe(1);
    }
}
