using System.Text.Json.Nodes;
using LoaderHarness.Cli;
using LoaderHarness.Fixtures.Images;
using LoaderHarness.Tests.Cli.Output;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Cli.Commands;

/// <summary>
/// <c>boot --trace-format</c> and <c>trace-diff</c> end to end: a tiny PVH kernel traced in both layouts, which
/// trace-diff reads as the same execution, and a seeded difference it reports with both register states.
/// </summary>
[TestFixture]
public sealed class TraceDiffCommandTests : CliTestFixture
{
    /// <summary>32-bit PVH code at 0x1000000: <c>mov eax, [ebx]</c>; <c>inc eax</c>; <c>hlt</c>.</summary>
    private static readonly byte[] Code = [0x8B, 0x03, 0x40, 0xF4, .. new byte[0x1FC]];

    private string Traced(string format)
    {
        var kernel = WriteFile("vmlinux", ElfWriter.Write(new ElfSpec { Code = Code, PvhEntry = 0x100_0000 }));
        var map = WriteFile("System.map", "ffffffff81000000 T _text\nffffffff81000020 T never\n"u8.ToArray());
        var trace = Path.Combine(Dir, $"{format}.trace");
        Run("boot", kernel, "--system-map", map, "--until", "never", "--max-instructions", "10", "--trace", trace, "--trace-format", format);
        return trace;
    }

    [Test]
    public void The_two_layouts_of_one_run_agree()
    {
        var (code, output, error) = Run("trace-diff", Traced("iced"), Traced("qemu"));

        code.ShouldBe(CliApp.Ok, output + error);
        output.ShouldContain("aligned at 0x1000000: 3 instructions agree");
    }

    [Test]
    public void A_seeded_difference_is_printed_with_both_register_states()
    {
        var qemu = Traced("qemu");
        var lines = File.ReadAllLines(qemu);
        // The third dump (before hlt): EAX one more than the engine computed.
        var third = lines.Select((l, i) => (l, i)).Where(p => p.l.StartsWith("EAX=", StringComparison.Ordinal)).ElementAt(2).i;
        var eax = Convert.ToUInt32(lines[third][4..12], 16);
        lines[third] = $"EAX={eax + 1:x8}" + lines[third][12..];
        var seeded = WriteFile("seeded.trace", System.Text.Encoding.ASCII.GetBytes(string.Join('\n', lines)));

        var (code, output, _) = Run("trace-diff", qemu, seeded);

        code.ShouldBe(CliApp.CheckFailed);
        output.ShouldContain("first divergence at instruction 2");
        output.ShouldContain("rax differ");
        output.ShouldContain("after   0x1000002  inc");
        output.ShouldContain($"* rax          {eax:x8}           {eax + 1:x8}");

        var report = Run("trace-diff", qemu, seeded, "--json").Out;
        ReportSchemaFile.ShouldMatch(report);
        var json = JsonNode.Parse(report)!;
        json["agreedInstructions"]!.GetValue<long>().ShouldBe(2);
        json["divergence"]!["registers"]![0]!.GetValue<string>().ShouldBe("rax");
        json["divergence"]!["b"]!["registers"]!["rax"]!.GetValue<string>().ShouldBe($"{eax + 1:x8}");
    }

    [Test]
    public void Ignoring_the_register_makes_them_agree() =>
        Run("trace-diff", Traced("qemu"), Traced("qemu"), "--ignore", "rax").Code.ShouldBe(CliApp.Ok);

    [TestCase("--resync-after", "cpuid")]
    [TestCase("--from", "nowhere")]
    public void Bad_options_exit_with_2(string option, string value) =>
        Run("trace-diff", Traced("qemu"), Traced("iced"), option, value).Code.ShouldBe(CliApp.BadInput);

    [Test]
    public void A_missing_trace_is_a_one_line_error() =>
        Run("trace-diff", Path.Combine(Dir, "none"), Traced("iced")).ShouldSatisfyAllConditions(
            r => r.Code.ShouldBe(CliApp.BadInput),
            r => r.Err.Trim().ShouldNotContain('\n'));

    [Test]
    public void A_bad_trace_format_exits_with_2() =>
        Run("boot", "x", "--trace-format", "gdb").Code.ShouldBe(CliApp.BadInput);
}
