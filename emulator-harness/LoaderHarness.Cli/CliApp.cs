using System.CommandLine;
using LoaderHarness.Cli.Commands;
using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Cli;

/// <summary>The command tree and the exit-code contract: 0 ok, 1 a check failed, 2 bad usage or input.</summary>
public static class CliApp
{
    /// <summary>Exit code: everything worked.</summary>
    public const int Ok = 0;
    /// <summary>Exit code: a check failed (a boot milestone not reached, a contract violated, a mutant unnoticed).</summary>
    public const int CheckFailed = 1;
    /// <summary>Exit code: bad usage or unusable input.</summary>
    public const int BadInput = 2;

    /// <summary>
    /// When the process started (the kernel's clock, to its 10 ms tick), set by the executable's entry point; null
    /// when the CLI runs inside another process (tests), whose start says nothing about ours.
    /// </summary>
    public static DateTime? ProcessStart { get; set; }

    /// <summary>Process start to now, or zero when <see cref="ProcessStart"/> is unknown.</summary>
    internal static TimeSpan SinceProcessStart() => ProcessStart is { } start ? DateTime.Now - start : TimeSpan.Zero;

    /// <summary>Parses and runs one command line.</summary>
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var output = stdout ?? Console.Out;
        var error = stderr ?? Console.Error;
        var root = new RootCommand("LoaderHarness: a Linux kernel loader and hardware-free boot-protocol conformance harness.\n" +
                                   "Exit codes: 0 ok, 1 a check failed, 2 bad usage or input.")
        {
            InspectCommand.Create(output, error),
            LoadCommand.Create(output, error),
            ExtractVmlinuxCommand.Create(output, error),
            BootCommand.Create(output, error),
            ConformCommand.Create(output, error),
            MeasureCommand.Create(output, error),
            TraceDiffCommand.Create(output, error),
        };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // One line, as every other error: the parser's messages joined, and where to look.
            error.WriteLine($"error ({UsageError.BadOption}): {string.Join("; ", parse.Errors.Select(e => OneLine(e.Message)))} (run with --help for usage)");
            return BadInput;
        }
        return parse.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }

    /// <summary>Runs a command body, turning bad input into a message and exit code 2 instead of a stack trace.</summary>
    internal static int Guard(TextWriter stderr, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"error ({e.Code}): {OneLine(e.Message)}");
            return BadInput;
        }
        catch (LoaderException e)
        {
            stderr.WriteLine($"error ({e.Code}): {OneLine(e.Message)}");
            return BadInput;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error ({UsageError.HostIo}): {OneLine(e.Message)}");
            return BadInput;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The rule is one line and exit 2 whatever the input does; a bug that lets another exception out
            // is still named, with its type, so it can be reported and fixed.
            stderr.WriteLine($"error (internal): {e.GetType().Name}: {OneLine(e.Message)}");
            return BadInput;
        }
    }

    /// <summary>Keeps an error on its one line: a message with line breaks (some .NET ones have them) is joined.</summary>
    internal static string OneLine(string message) => string.Join(" ", message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
}
