using LoaderHarness.Emulator.Core;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Core;

/// <summary>The run bookkeeping both engines' loops share.</summary>
[TestFixture]
public class RunControlTests
{
    [Test]
    public void A_run_counts_toward_the_lifetime_total_and_reports_its_own_count()
    {
        var run = new RunControl();
        run.Begin(10);
        run.Executed = 10;
        run.CanContinue.ShouldBeFalse();
        run.Result(0x40).ShouldBe(new RunResult(StopReason.Budget, 0x40, 10, null));

        run.Begin(5);
        run.Executed = 3;
        run.Total.ShouldBe(13UL);
        run.CanContinue.ShouldBeTrue();
    }

    [Test]
    public void Stop_and_break_drop_the_limit_but_only_stop_ends_the_run()
    {
        var run = new RunControl();
        run.Begin(100);
        run.Break();
        run.Limit.ShouldBe(0UL);
        run.CanContinue.ShouldBeTrue();
        run.Arm();
        run.Limit.ShouldBe(100UL);

        run.Stop(StopReason.SelfLoop, "jmp .");
        run.Limit.ShouldBe(0UL);
        run.CanContinue.ShouldBeFalse();
        run.Result(0).Detail.ShouldBe("jmp .");
    }

    [Test]
    public void Stop_points_stop_with_their_own_reason_and_are_known_by_page_offset()
    {
        var run = new RunControl();
        run.AddBreakpoint(0xFFFF_0000_0000_1234).ShouldBeTrue();
        run.AddBreakpoint(0xFFFF_0000_0000_1234).ShouldBeFalse("already set: nothing to re-mark");
        run.AddStopAddress(0x2000).ShouldBeTrue();
        run.Begin(10);

        run.MayStopAtOffset(0x234).ShouldBeTrue("another virtual alias of the page may be the one");
        run.IsStopPoint(0x1234).ShouldBeFalse();
        run.StopIfAt(0x1234).ShouldBeFalse();
        run.StopIfAt(0x2000).ShouldBeTrue();
        run.Reason.ShouldBe(StopReason.AddressReached);

        run.Begin(10);
        run.StopIfAt(0xFFFF_0000_0000_1234).ShouldBeTrue();
        run.Reason.ShouldBe(StopReason.Breakpoint);

        run.RemoveBreakpoint(0xFFFF_0000_0000_1234).ShouldBeTrue();
        run.RemoveStopAddress(0x2000).ShouldBeTrue();
        run.MayStopAtOffset(0x234).ShouldBeFalse();
        run.HasStopPoints.ShouldBeFalse();
    }
}
