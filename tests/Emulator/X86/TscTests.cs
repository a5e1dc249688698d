using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>The TSC as virtual time: announced in CPUID, one tick per instruction plus idle cycles while halted.</summary>
[TestFixture]
public class TscTests
{
    [Test]
    public void Cpuid_leaf_15h_and_16h_announce_the_default_tsc_rate()
    {
        // Linux's native_calibrate_tsc (arch/x86/kernel/tsc.c): crystal_khz * EBX / EAX, crystal from ECX in Hz.
        var t = CpuIdTable.Default();
        t.Query(0, 0).Eax.ShouldBeGreaterThanOrEqualTo(0x16u);
        var leaf = t.Query(0x15, 0);
        ((long)leaf.Ecx / 1000 * leaf.Ebx / leaf.Eax).ShouldBe(CpuIdTable.DefaultTscHz / 1000);
        t.Query(0x16, 0).Eax.ShouldBe((uint)(CpuIdTable.DefaultTscHz / 1_000_000));
    }

    [Test]
    public void Rdtsc_counts_instructions_and_idle_cycles()
    {
        using var m = new TestMachine();
        m.EnterLong64(TestMachine.CodeBase);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.rdtsc();
            a.mov(r8d, eax);
            a.hlt();
            a.rdtsc();
            a.mov(r9d, eax);
            a.hlt();
        });

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu.PassIdleCycles(1_000_000);
        m.Run().Reason.ShouldBe(StopReason.Halt);

        (m.Cpu[Register.R9D] - m.Cpu[Register.R8D]).ShouldBe(3UL + 1_000_000);
        m.Cpu.Tsc.ShouldBe(m.Cpu.TotalInstructions + 1_000_000);
    }
}
