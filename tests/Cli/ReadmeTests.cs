using System.Text;
using System.Text.RegularExpressions;
using LoaderHarness.Cli;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Cli;

/// <summary>
/// README.md stays exactly true: its verb table lists every verb and every option that <c>--help</c> shows (and
/// nothing else), and every sample output block marked as generated is what a real run prints.
/// <para>
/// Marker convention: an HTML comment on the line before a <c>```text</c> block,
/// <c>&lt;!-- generated: &lt;arguments&gt; [| head -N | tail -N] --&gt;</c>. The block is then
/// <c>$ loader-harness &lt;arguments&gt;</c> followed by the output (stdout) of that run, from the repository root;
/// with <c>head -N</c> only its first N lines and a last line <c>...</c>, with <c>tail -N</c> a line <c>...</c>
/// and its last N lines. Times (<c>1.14 s</c>, <c>wallSeconds: 3.6</c>, <c>seconds 3.5</c>) are compared as
/// "some number".
/// </para>
/// <para>
/// After changing the CLI, regenerate the blocks with
/// <c>README_REGENERATE=1 dotnet test tests -c Release --filter "FullyQualifiedName~ReadmeTests"</c>: the test
/// rewrites each marked block from a real run and passes; review the diff of README.md and commit it.
/// </para>
/// </summary>
[TestFixture]
public sealed partial class ReadmeTests
{
    private static readonly string Root = DebianKernel.RepositoryRoot();
    private static readonly string ReadmePath = Path.Combine(Root, "README.md");

    private static bool Regenerate => Environment.GetEnvironmentVariable("README_REGENERATE") == "1";

    [Test]
    public void Every_verb_of_the_cli_is_in_the_readme_table_and_no_other()
    {
        var documented = VerbRows().Keys.Order().ToList();

        documented.ShouldBe(Verbs().Order().ToList(), "README.md's verb table (## The command line) against loader-harness --help");
    }

    [Test]
    public void Every_option_of_every_verb_is_documented_in_its_row_and_every_documented_option_exists()
    {
        var problems = new List<string>();
        foreach (var (verb, row) in VerbRows())
        {
            var options = Options(verb);
            foreach (var aliases in options.Where(a => !a.Any(o => Mentions(row.Text, o))))
                problems.Add($"{verb}: {string.Join(", ", aliases)} is in --help but not in README's row");
            foreach (Match m in OptionName().Matches(row.Signature))
            {
                if (!options.Any(a => a.Contains(m.Value)))
                    problems.Add($"{verb}: README documents {m.Value}, which --help does not list");
            }
        }
        problems.ShouldBeEmpty();
    }

    [Test]
    [Category("RealKernel")]
    public void Every_generated_sample_is_what_a_real_run_prints()
    {
        var lines = File.ReadAllLines(ReadmePath).ToList();
        var samples = Samples(lines).ToList();
        samples.ShouldNotBeEmpty("README.md marks its sample outputs with <!-- generated: ... -->");
        var mismatches = new List<string>();
        // From the last block up, so rewriting one keeps the line numbers of the ones above.
        foreach (var s in Enumerable.Reverse(samples))
        {
            var expected = Expected(s.Marker, RunCli(s.Marker.Arguments));
            var actual = lines.GetRange(s.BodyStart, s.BodyEnd - s.BodyStart);
            if (Normalise(expected).SequenceEqual(Normalise(actual)))
                continue;
            if (Regenerate)
            {
                lines.RemoveRange(s.BodyStart, s.BodyEnd - s.BodyStart);
                lines.InsertRange(s.BodyStart, expected);
                continue;
            }
            mismatches.Add($"README.md line {s.BodyStart + 1} ({s.Marker.Text}):\n--- README\n{string.Join('\n', actual)}\n--- real run\n{string.Join('\n', expected)}");
        }
        if (Regenerate)
        {
            File.WriteAllText(ReadmePath, string.Join('\n', lines) + "\n");
            Assert.Pass("README_REGENERATE=1: the generated samples were rewritten from real runs; review git diff README.md");
        }
        mismatches.ShouldBeEmpty("run with README_REGENERATE=1 to rewrite them (see ReadmeTests)");
    }

    [Test]
    public void The_marker_convention_keeps_heads_and_tails()
    {
        var marker = Marker.Parse("<!-- generated: conform --profile qemu | tail -2 -->")!;

        marker.Arguments.ShouldBe(["conform", "--profile", "qemu"]);
        Expected(marker, "a\nb\nc\n").ShouldBe(["$ loader-harness conform --profile qemu", "...", "b", "c"]);
        Expected(Marker.Parse("<!-- generated: load \"a b\" | head -1 -->")!, "x\ny\n").ShouldBe(["$ loader-harness load \"a b\"", "x", "..."]);
        Normalise(["OK: 6/6 cases conform, 0.52 s", "wallSeconds   : 3.656201", "  - kind symbol, pc 0x1, seconds 3.5"])
            .ShouldBe(Normalise(["OK: 6/6 cases conform, 1.14 s", "wallSeconds   : 0.6", "  - kind symbol, pc 0x1, seconds 0.25"]));
    }

    /// <summary>One marked block: its marker and the lines between the <c>```text</c> fence and the closing fence.</summary>
    private sealed record Sample(Marker Marker, int BodyStart, int BodyEnd);

    /// <summary>A parsed <c>&lt;!-- generated: ... --&gt;</c> comment.</summary>
    private sealed record Marker(string Text, string Command, IReadOnlyList<string> Arguments, int? Head, int? Tail)
    {
        public static Marker? Parse(string line)
        {
            var m = MarkerLine().Match(line.Trim());
            if (!m.Success)
                return null;
            var parts = m.Groups[1].Value.Split(" | ");
            int? head = null, tail = null;
            foreach (var filter in parts.Skip(1))
            {
                var f = filter.Trim().Split(' ');
                if (f is ["head", var n])
                    head = int.Parse(n.TrimStart('-'), System.Globalization.CultureInfo.InvariantCulture);
                else if (f is ["tail", var t])
                    tail = int.Parse(t.TrimStart('-'), System.Globalization.CultureInfo.InvariantCulture);
                else
                    throw new FormatException($"README marker filter '{filter}': expected head -N or tail -N");
            }
            var command = parts[0].Trim();
            return new Marker(line.Trim(), command, SplitArguments(command), head, tail);
        }
    }

    private static IEnumerable<Sample> Samples(List<string> lines)
    {
        for (var i = 0; i + 1 < lines.Count; i++)
        {
            if (Marker.Parse(lines[i]) is not { } marker)
                continue;
            lines[i + 1].Trim().ShouldBe("```text", $"README.md line {i + 2}: a generated marker must stand right before a ```text block");
            var end = lines.FindIndex(i + 2, l => l.Trim() == "```");
            end.ShouldBeGreaterThan(i, $"README.md line {i + 2}: the block is not closed");
            yield return new Sample(marker, i + 2, end);
        }
    }

    /// <summary>The block a marker asks for, from the run's output.</summary>
    private static List<string> Expected(Marker marker, string output)
    {
        var lines = output.Replace("\r", "", StringComparison.Ordinal).TrimEnd('\n').Split('\n').ToList();
        var block = new List<string> { $"$ loader-harness {marker.Command}" };
        if (marker.Head is { } head && head < lines.Count)
            block.AddRange([.. lines.Take(head), "..."]);
        else if (marker.Tail is { } tail && tail < lines.Count)
            block.AddRange(["...", .. lines.Skip(lines.Count - tail)]);
        else
            block.AddRange(lines);
        return [.. block.Select(l => l.TrimEnd())];
    }

    /// <summary>The CLI's stdout for <paramref name="arguments"/>, run in process from the repository root (the samples' paths are relative to it).</summary>
    private static string RunCli(IReadOnlyList<string> arguments)
    {
        foreach (var path in arguments.Where(a => a.StartsWith("fixtures/", StringComparison.Ordinal)))
        {
            if (!File.Exists(Path.Combine(Root, path)))
                Prerequisite.Missing($"README sample needs {path}: run {DebianKernel.FetchCommand}");
        }
        var previous = Environment.CurrentDirectory;
        var stdout = new StringWriter();
        try
        {
            Environment.CurrentDirectory = Root;
            CliApp.Run([.. arguments], stdout, new StringWriter());
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }
        return stdout.ToString();
    }

    private static IEnumerable<string> Normalise(IEnumerable<string> lines) =>
        lines.Select(l => Seconds().Replace(Duration().Replace(l.TrimEnd(), "<n> s"), "${key}<n>"));

    /// <summary>The verbs <c>loader-harness --help</c> lists.</summary>
    private static List<string> Verbs()
    {
        var help = Help("--help");
        var commands = help[(help.IndexOf("Commands:", StringComparison.Ordinal) + "Commands:".Length)..];
        return [.. HelpCommand().Matches(commands).Select(m => m.Groups[1].Value)];
    }

    /// <summary>The options <c>loader-harness verb --help</c> lists, each with its aliases (-o, --output), without the help option.</summary>
    private static List<string[]> Options(string verb)
    {
        var help = Help(verb, "--help");
        var options = help[help.IndexOf("Options:", StringComparison.Ordinal)..];
        return [.. HelpOption().Matches(options)
            .Select(m => m.Groups[1].Value.Split(", ").Select(n => n.Trim()).ToArray())
            .Where(a => !a.Contains("--help"))];
    }

    private static string Help(params string[] arguments)
    {
        var stdout = new StringWriter();
        CliApp.Run(arguments, stdout, new StringWriter()).ShouldBe(CliApp.Ok);
        return stdout.ToString();
    }

    /// <summary>The rows of README's verb table (the one headed <c>| verb | what it does |</c>): verb → (signature in backticks, whole row).</summary>
    private static Dictionary<string, (string Signature, string Text)> VerbRows()
    {
        var lines = File.ReadAllLines(ReadmePath);
        var header = Array.FindIndex(lines, l => l.StartsWith("| verb |", StringComparison.Ordinal));
        header.ShouldBeGreaterThanOrEqualTo(0, "README.md has the verb table, headed | verb | what it does |");
        var rows = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|')))
        {
            var m = VerbRow().Match(line);
            m.Success.ShouldBeTrue($"a verb table row starts with | `verb ...`: {line}");
            rows[m.Groups[2].Value] = (m.Groups[1].Value, line);
        }
        return rows;
    }

    /// <summary>Whether <paramref name="text"/> names <paramref name="option"/> as a whole word (not --trace inside --trace-format).</summary>
    private static bool Mentions(string text, string option) =>
        Regex.IsMatch(text, $@"(?<![\w-]){Regex.Escape(option)}(?![\w-])");

    /// <summary>Splits a command like a POSIX shell for plain words and double-quoted strings.</summary>
    private static List<string> SplitArguments(string command)
    {
        var arguments = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        var any = false;
        foreach (var c in command)
        {
            if (c == '"')
            {
                quoted = !quoted;
                any = true;
            }
            else if (c == ' ' && !quoted)
            {
                if (any)
                    arguments.Add(current.ToString());
                current.Clear();
                any = false;
            }
            else
            {
                current.Append(c);
                any = true;
            }
        }
        if (any)
            arguments.Add(current.ToString());
        return arguments;
    }

    [GeneratedRegex(@"^<!-- generated: (.+?) -->$")]
    private static partial Regex MarkerLine();

    [GeneratedRegex(@"^\| `(([a-z0-9-]+)[^`]*)`")]
    private static partial Regex VerbRow();

    [GeneratedRegex(@"--[a-z0-9][a-z0-9-]*")]
    private static partial Regex OptionName();

    [GeneratedRegex(@"^  ([a-z0-9-]+)\b", RegexOptions.Multiline)]
    private static partial Regex HelpCommand();

    [GeneratedRegex(@"^  ((?:-{1,2}[\w?-]+)(?:, -{1,2}[\w?-]+)*)", RegexOptions.Multiline)]
    private static partial Regex HelpOption();

    [GeneratedRegex(@"\b\d+(\.\d+)? s\b")]
    private static partial Regex Duration();

    [GeneratedRegex(@"(?<key>[Ss]econds\s*:?\s*)\d+(\.\d+)?")]
    private static partial Regex Seconds();
}
