using System.CommandLine;
using LoaderHarness.Cli.Output;
using LoaderHarness.Emulator.Traces;

namespace LoaderHarness.Cli.Commands;

/// <summary>
/// <c>trace-diff &lt;a&gt; &lt;b&gt;</c>: align two instruction traces (<c>boot --trace</c> in either layout, or QEMU's
/// <c>-d in_asm,cpu</c> log) and print the first divergence with both register states. Exit 0 when they agree
/// over the compared stretch, 1 at a divergence.
/// </summary>
internal static class TraceDiffCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var a = new Argument<FileInfo>("a") { Description = "The first trace (boot --trace, iced or qemu layout, or QEMU's own -d in_asm,cpu log)." };
        var b = new Argument<FileInfo>("b") { Description = "The second trace, in any of those layouts." };
        var from = new Option<ulong?>("--from")
        {
            Description = "Align both traces at their first instruction at this address (default: the first trace's start, found in the second).",
            CustomParser = r => OptionParsers.UInt64("--from")(r),
        };
        var max = new Option<ulong?>("--max-instructions") { Description = "Compare at most this many instructions.", CustomParser = r => OptionParsers.UInt64("--max-instructions")(r) };
        var ignore = new Option<string[]>("--ignore")
        {
            Description = "Registers never compared, comma-separated (rax, rflags, cs.base, cr3, x0...; a trailing * is a prefix: dr*, tr*).",
            AllowMultipleArgumentsPerToken = true,
        };
        var untilEqual = new Option<string[]>("--until-equal")
        {
            Description = "Registers compared only once both traces hold the same value (state the entry protocol leaves undefined), comma-separated.",
            AllowMultipleArgumentsPerToken = true,
        };
        var resync = new Option<string[]>("--resync-after")
        {
            Description = "mnemonic=reg,reg...: after that instruction those registers are compared again only once equal (cpuid=rax,rbx,rcx,rdx for two different CPU models). Repeatable.",
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("trace-diff",
            "Align two instruction traces (ours or QEMU's -d in_asm,cpu, either layout) and print the first divergence with both register states.")
        {
            a, b, from, max, ignore, untilEqual, resync, json,
        };
        command.SetAction(parse => CliApp.Guard(stderr, () =>
        {
            var fileA = parse.GetValue(a)!.FullName;
            var fileB = parse.GetValue(b)!.FullName;
            foreach (var f in new[] { fileA, fileB })
            {
                if (!File.Exists(f))
                    throw new UsageException(UsageError.NoSuchFile, $"{f}: no such file");
            }
            var options = new TraceDiffOptions
            {
                From = parse.GetValue(from),
                Limit = parse.GetValue(max) is { } m ? (long)Math.Min(m, long.MaxValue) : null,
                Ignore = Split(parse.GetValue(ignore)),
                UntilEqual = Split(parse.GetValue(untilEqual)),
                ResyncAfter = ParseResync(parse.GetValue(resync)),
            };
            var result = TraceDiff.Compare(() => ReadFile(fileA), () => ReadFile(fileB), options);
            TraceDiffOutput.Write(stdout, result, parse.GetValue(json));
            return result.Agrees ? CliApp.Ok : CliApp.CheckFailed;
        }));
        return command;
    }

    private static string[] Split(string[]? values) =>
        values is null ? [] : [.. values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select(v => v.ToLowerInvariant())];

    private static Dictionary<string, IReadOnlyList<string>> ParseResync(string[]? values)
    {
        var map = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var v in values ?? [])
        {
            var eq = v.IndexOf('=');
            if (eq <= 0 || eq == v.Length - 1)
                throw new UsageException(UsageError.BadOption, $"--resync-after '{v}': expected mnemonic=reg,reg (e.g. cpuid=rax,rbx,rcx,rdx)");
            map[v[..eq].Trim().ToLowerInvariant()] = Split([v[(eq + 1)..]]);
        }
        return map;
    }

    private static IEnumerable<TraceRecord> ReadFile(string path)
    {
        using var reader = new StreamReader(path);
        foreach (var record in TraceReader.Read(reader))
            yield return record;
    }
}
