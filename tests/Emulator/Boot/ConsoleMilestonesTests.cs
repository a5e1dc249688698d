using System.Diagnostics;
using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Core;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Boot;

/// <summary>The console milestones read off kernel lines: first line, /init, and each way the machine ends.</summary>
[TestFixture]
public class ConsoleMilestonesTests
{
    private static ConsoleMilestones Milestones(TextWriter? echo = null)
    {
        ulong instructions = 0;
        return new ConsoleMilestones(() => instructions += 100, () => 0xFFFF_FFFF_8100_0000, Stopwatch.StartNew(), echo);
    }

    [Test]
    public void The_first_line_then_init_then_shutdown_are_milestones_in_order()
    {
        var echo = new StringWriter();
        var m = Milestones(echo);
        var seen = new List<string>();
        m.MilestoneReached += x => seen.Add(x.Name);

        m.OnLine("[    0.000000] Linux version 6.1.0");
        m.OnLine("[    0.000000] Command line: console=ttyS0");
        m.OnLine("[   12.399099] Run /init as init process");
        m.OnLine("[   12.402785] reboot: System halted");

        seen.ShouldBe([ConsoleMilestones.Console, ConsoleMilestones.Init, ConsoleMilestones.Shutdown]);
        m.Reached.Select(x => x.Kind).ShouldBe([BootMilestoneKind.Console, BootMilestoneKind.Init, BootMilestoneKind.Shutdown]);
        m.Reached[0].Line.ShouldBe("[    0.000000] Linux version 6.1.0");
        m.Reached[1].Instructions.ShouldBeGreaterThan(m.Reached[0].Instructions);
        m.ShutdownReason.ShouldBe(StopReason.Halt);
        m.LastLine.ShouldBe("[   12.402785] reboot: System halted");
        echo.ToString().ShouldContain("Command line: console=ttyS0");
    }

    [TestCase("[    5.1] reboot: Power down", StopReason.PowerOff)]
    [TestCase("[    5.1] reboot: System halted", StopReason.Halt)]
    [TestCase("[   14.0] reboot: Power off not available: System halted instead", StopReason.Halt)]
    [TestCase("[    5.1] reboot: Restarting system", StopReason.Reset)]
    [TestCase("[    5.1] Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b", StopReason.Panic)]
    public void Each_way_the_machine_ends_has_its_stop_reason(string line, StopReason reason) =>
        ConsoleMilestones.ShutdownOf(line).ShouldBe(reason);

    [Test]
    public void Ordinary_lines_end_nothing() =>
        ConsoleMilestones.ShutdownOf("[    2.9] rtc_cmos rtc_cmos: registered as rtc0").ShouldBeNull();

    [TestCase("console", true)]
    [TestCase("init", true)]
    [TestCase("shutdown", true)]
    [TestCase("start_kernel", false)]
    public void Milestone_names_are_told_from_symbols(string until, bool milestone) =>
        ConsoleMilestones.IsMilestoneName(until).ShouldBe(milestone);
}
