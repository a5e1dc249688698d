using System.Diagnostics;
using System.Text.Json.Nodes;
using LoaderHarness.Cli;
using LoaderHarness.Fixtures.Images;
using LoaderHarness.Tests.Cli.Output;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Cli.Commands;

/// <summary>
/// The host's safety net on the verbs that run guest code: <c>--timeout</c> ends a guest that would run for
/// hours with its own stop reason and a report, <c>--max-host-memory</c> caps the process's resident memory.
/// </summary>
[TestFixture]
[NonParallelizable] // measures the whole process's resident memory, which tests running beside it would add to
public sealed class RunGuardCommandTests : CliTestFixture
{
    /// <summary>32-bit PVH code at 0x1000000: <c>1: inc eax; jmp 1b</c>, a loop no budget short of billions ends.</summary>
    private static readonly byte[] Spin = [0x40, 0xEB, 0xFD, .. new byte[0x1FD]];

    private const string SystemMap = "ffffffff81000000 T _text\nffffffff81000020 T never\n";

    private string SpinKernel() => WriteFile("vmlinux", ElfWriter.Write(new ElfSpec { Code = Spin, PvhEntry = 0x100_0000 }));

    private string Map() => WriteFile("System.map", System.Text.Encoding.ASCII.GetBytes(SystemMap));

    [Test]
    public void Boot_past_its_timeout_stops_with_reason_timeout_and_still_reports()
    {
        var watch = Stopwatch.StartNew();
        var (code, output, error) = Run("boot", SpinKernel(), "--system-map", Map(), "--until", "never",
            "--max-instructions", "1000000000000", "--timeout", "500ms", "--mem", "64M", "--json");
        // The limit plus one sampling period and the report; 10 s allows a loaded machine, the loop alone runs hours.
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10));
        code.ShouldBe(CliApp.CheckFailed, error);
        var json = JsonNode.Parse(output)!;
        json["stopReason"]!.GetValue<string>().ShouldBe("timeout");
        json["reached"]!.GetValue<bool>().ShouldBeFalse();
        ReportSchemaFile.ShouldMatch(output);
    }

    [Test]
    public void Boot_over_its_host_memory_cap_stops_with_reason_host_memory_limit()
    {
        // A cap just above the guest RAM: the test host alone is resident far beyond it.
        var (code, output, error) = Run("boot", SpinKernel(), "--system-map", Map(), "--until", "never",
            "--max-instructions", "1000000000000", "--mem", "32M", "--max-host-memory", "33M", "--timeout", "30s", "--json");
        code.ShouldBe(CliApp.CheckFailed, error);
        JsonNode.Parse(output)!["stopReason"]!.GetValue<string>().ShouldBe("host-memory-limit");
        ReportSchemaFile.ShouldMatch(output);
    }

    [Test]
    public void A_host_memory_cap_below_the_guest_ram_is_bad_input()
    {
        var (code, _, error) = Run("boot", SpinKernel(), "--system-map", Map(), "--mem", "64M", "--max-host-memory", "32M");
        code.ShouldBe(CliApp.BadInput);
        error.TrimEnd().ShouldNotContain('\n');
        error.ShouldContain("--max-host-memory 32M: below the guest RAM of 64 MiB");
    }

    [TestCase("0")]
    [TestCase("-1s")]
    [TestCase("soon")]
    public void A_timeout_that_is_not_a_positive_duration_is_bad_input(string value)
    {
        var (code, _, error) = Run("boot", SpinKernel(), "--timeout", value);
        code.ShouldBe(CliApp.BadInput);
        error.TrimEnd().ShouldNotContain('\n');
        error.ShouldContain($"--timeout '{value}': expected a positive duration");
    }

    [Test]
    public void Conform_past_its_timeout_fails_the_case_with_reason_timeout()
    {
        var json = Path.Combine(Dir, "conform.json");
        var watch = Stopwatch.StartNew();
        var (code, _, error) = Run("conform", "--kernel", SpinKernel(), "--protocol", "pvh", "--profile", "spec",
            "--max-instructions", "1000000000000", "--timeout", "500ms", "--json", json);
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(20));
        code.ShouldBe(CliApp.CheckFailed, error);
        File.ReadAllText(json).ShouldContain("\"timeout\"");
    }
}
