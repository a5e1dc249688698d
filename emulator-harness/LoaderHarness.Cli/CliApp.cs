using System.CommandLine;

namespace LoaderHarness.Cli;

/// <summary>The command tree and the exit-code contract: 0 ok, 1 a check failed, 2 bad usage or input.</summary>
public static class CliApp
{
    /// <summary>Exit code: everything worked.</summary>
    public const int Ok = 0;
    /// <summary>Exit code: a check ran and failed.</summary>
    public const int CheckFailed = 1;
    /// <summary>Exit code: bad usage or unusable input.</summary>
    public const int BadInput = 2;

    /// <summary>Parses and runs one command line.</summary>
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var root = new RootCommand("LoaderHarness: a Linux kernel loader and hardware-free boot-protocol conformance harness.");
        var parse = root.Parse(args);
        var output = new InvocationConfiguration { Output = stdout ?? Console.Out, Error = stderr ?? Console.Error };
        if (parse.Errors.Count > 0 && !args.Contains("--help") && !args.Contains("-h"))
        {
            foreach (var error in parse.Errors)
                output.Error.WriteLine(error.Message);
            return BadInput;
        }
        return parse.Invoke(output);
    }
}
