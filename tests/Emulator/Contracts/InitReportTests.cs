using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Fixtures.Initramfs;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Contracts;

/// <summary>The parser of the fixture /init's report line (the format is documented on <see cref="InitReport"/>).</summary>
[TestFixture]
public sealed class InitReportTests
{
    private const string Line = "LOADERHARNESS-INIT v=1 arch=x86_64 pid=1 proc=0 memtotal_kb=484312 ram_ranges=2 cmdline=\"console=ttyS0 panic=-1\"";

    [Test]
    public void Parses_every_field()
    {
        InitReport.TryParse(Line, out var report).ShouldBeTrue();
        report.ShouldBe(new InitReport(1, "x86_64", 1, 0, 484312, 2, "console=ttyS0 panic=-1"));
    }

    [Test]
    public void Negative_errnos_and_an_empty_command_line_parse()
    {
        InitReport.TryParse("LOADERHARNESS-INIT v=1 arch=arm64 pid=1 proc=-19 memtotal_kb=-2 ram_ranges=-2 cmdline=\"\"", out var report).ShouldBeTrue();
        report!.ProcMount.ShouldBe(-19);
        report.MemTotalKb.ShouldBe(-2);
        report.RamRanges.ShouldBe(-2);
        report.CommandLine.ShouldBe("");
    }

    [Test]
    public void The_command_line_runs_to_the_last_quote_and_keeps_its_own_quotes()
    {
        InitReport.TryParse(Line.Replace("panic=-1", "x=\"a b\" y", StringComparison.Ordinal), out var report).ShouldBeTrue();
        report!.CommandLine.ShouldBe("console=ttyS0 x=\"a b\" y");
    }

    [Test]
    public void Finds_the_line_in_a_serial_log_with_cr_lf_and_kernel_output_before_it()
    {
        var log = "[    0.000000] Linux version 6.1.0\r\n[    1.234567] Run /init as init process\r\n[    1.3] foo" + Line + "\r\n[    1.4] reboot: Power down\r\n";
        InitReport.Find(log).ShouldBe(new InitReport(1, "x86_64", 1, 0, 484312, 2, "console=ttyS0 panic=-1"));
    }

    [TestCase("no marker at all")]
    [TestCase("LOADERHARNESS-INIT v=1 arch=x86_64 pid=1 proc=0 memtotal_kb=484312 ram_ranges=2 cmdline=\"console=tty")]
    [TestCase("LOADERHARNESS-INIT v=1 arch=x86_64 pid=1 proc=0 memtotal_kb=484312 cmdline=\"x\"")]
    [TestCase("LOADERHARNESS-INIT v=1 arch=x86_64 pid=one proc=0 memtotal_kb=484312 ram_ranges=2 cmdline=\"x\"")]
    [TestCase("LOADERHARNESS-INIT v=1 arch=x86_64 pid=1 proc=0 ram_ranges=2 memtotal_kb=484312 cmdline=\"x\"")]
    [TestCase("LOADERHARNESS-INIT v=1 arch= pid=1 proc=0 memtotal_kb=484312 ram_ranges=2 cmdline=\"x\"")]
    [TestCase("LOADERHARNESS-INIT arch=x86_64 pid=1 proc=0 memtotal_kb=484312 ram_ranges=2 cmdline=\"x\"")]
    public void Rejects_lines_that_break_the_format(string line)
    {
        InitReport.TryParse(line, out var report).ShouldBeFalse();
        report.ShouldBeNull();
        InitReport.Find(line + "\n").ShouldBeNull();
    }

    [Test]
    public void Both_programs_print_the_prefix_the_parser_expects()
    {
        InitProgramLayout.Prefix(X86InitProgram.Architecture).ShouldBe("LOADERHARNESS-INIT v=1 arch=x86_64 pid=");
        InitProgramLayout.Prefix(Arm64InitProgram.Architecture).ShouldBe("LOADERHARNESS-INIT v=1 arch=arm64 pid=");
    }
}
