using System.Diagnostics;
using LoaderHarness.Tests.Support;
using NUnit.Framework;

namespace LoaderHarness.Tests.Loader.Boot.Fdt;

/// <summary>
/// Runs the Device Tree Compiler (Debian package device-tree-compiler). Missing dtc fails the test
/// when CI=true and ignores it otherwise, as the helper brief requires.
/// </summary>
internal static class Dtc
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>The dtc executable on PATH; fails (CI) or ignores (local) the test when there is none.</summary>
    public static string Require() => Prerequisite.RequireTool("dtc", "device-tree-compiler");

    /// <summary>Runs dtc with <paramref name="args"/> and waits up to 30 s.</summary>
    public static Result Run(string dtc, params string[] args)
    {
        var start = new ProcessStartInfo(dtc)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill();
            Assert.Fail($"dtc {string.Join(' ', args)} did not finish in 30 s");
        }

        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
