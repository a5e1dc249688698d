using LoaderHarness.Emulator.Arm64;
using LoaderHarness.Emulator.Core;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64;

[TestFixture]
public class SmokeTests
{
    [Test]
    public void Loop_sums_and_stores()
    {
        using var m = new Arm64TestMachine();
        var result = m.Run($"""
            mov x0, #0
            mov x1, #10
            1: add x0, x0, x1
            subs x1, x1, #1
            b.ne 1b
            ldr x2, ={Arm64TestMachine.DataBase}
            str x0, [x2, #8]
            ldr x3, [x2, #8]
            """);

        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        m.Cpu[0].ShouldBe(55UL);
        m.Cpu[3].ShouldBe(55UL);
        m.Memory.ReadU64(Arm64TestMachine.DataBase + 8).ShouldBe(55UL);
    }
}
