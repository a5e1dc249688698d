using LoaderHarness.Cli.Output;
using LoaderHarness.Emulator.Boot;
using Shouldly;

namespace LoaderHarness.Tests.Cli.Output;

[TestFixture]
public sealed class BootProgressLineTests
{
    private static BootProgress At(double seconds, ulong instructions) => new(instructions, TimeSpan.FromSeconds(seconds), "kernel");

    [Test]
    public void A_log_gets_a_line_at_most_every_interval_of_the_run()
    {
        var log = new StringWriter();
        var progress = new BootProgressLine(log, terminal: false);

        for (var i = 1; i <= 120; i++)
            progress.Report(At(i * 0.1, (ulong)i * 20_000_000));
        progress.Clear();

        var lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(2); // 12 s of reports every 0.1 s: at 5 s and at 10 s
        lines[0].ShouldBe("boot: 1,000,000,000 instructions, 5.0 s (kernel)");
        lines[1].ShouldStartWith("boot: 2,000,000,000 instructions, 10.0 s");
    }

    [Test]
    public void A_terminal_line_is_rewritten_in_place_and_cleared_at_the_end()
    {
        var tty = new StringWriter();
        var progress = new BootProgressLine(tty, terminal: true);

        progress.Report(At(0.1, 120_000_000));
        progress.Report(At(0.2, 20_000_000));
        tty.ToString().ShouldBe("\rboot: 120,000,000 instructions, 0.1 s (kernel)\rboot: 20,000,000 instructions, 0.2 s (kernel) ");

        progress.Clear();
        tty.ToString().ShouldEndWith("\r" + new string(' ', 45) + "\r");
        tty.ToString().ShouldNotContain('\n');
    }

    [Test]
    public void Clearing_a_line_never_shown_writes_nothing()
    {
        var tty = new StringWriter();
        new BootProgressLine(tty, terminal: true).Clear();
        tty.ToString().ShouldBeEmpty();
    }
}
