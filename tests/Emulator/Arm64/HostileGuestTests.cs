using System.Diagnostics;
using LoaderHarness.Emulator.Core;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64;

/// <summary>
/// Guest code written to hang the arm64 engine: every run ends in a typed stop reason, retires no more than
/// its budget (exception deliveries count, the counter never wraps) and returns promptly.
/// </summary>
[TestFixture]
public sealed class HostileGuestTests
{
    [TestCase(10_000UL)]
    [TestCase(10_001UL)]
    [TestCase(1UL)]
    [TestCase(2UL)]
    public void A_fault_loop_through_a_vector_at_the_code_ends_with_the_budget(ulong budget)
    {
        using var m = new Arm64TestMachine();
        // The current-EL SPx synchronous vector is VBAR_EL1 + 0x200 (Arm ARM D1.10.2, Table D1-7): nop; ldr x0, [x1].
        m.Load("nop\n ldr x0, [x1]\n", Arm64TestMachine.CodeBase + 0x200);
        m.Cpu.WriteSystemRegister("VBAR_EL1", Arm64TestMachine.CodeBase);
        m.Cpu[1] = 0x1_0000_0000_0000; // not mapped: a translation fault with the MMU off (beyond the PA size)
        m.Cpu.Pc = Arm64TestMachine.CodeBase + 0x200;
        var watch = Stopwatch.StartNew();
        var result = m.Cpu.Run(budget);
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5)); // it never returned before the fix
        result.Reason.ShouldNotBe(StopReason.InternalError, result.Detail);
        result.Instructions.ShouldBeLessThanOrEqualTo(budget);
    }
}
