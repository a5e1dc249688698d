using System.Diagnostics;
using System.Runtime.InteropServices;

namespace LoaderHarness.Benchmarks.Engine;

/// <summary>
/// Runs QEMU to its exit and measures the CPU time its process used (user + system, every thread: the TCG
/// vCPU thread included), read from getrusage(RUSAGE_CHILDREN) before and after it is reaped (POSIX
/// getrusage(2); the struct layout is Linux's struct rusage on LP64).
/// </summary>
internal static class QemuProcessTime
{
    private const int RusageChildren = -1;

    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSeconds, UserMicroseconds, SystemSeconds, SystemMicroseconds;
        public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NvCsw, NivCsw;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, out Rusage usage);

    /// <summary>Whether <paramref name="binary"/> is on PATH.</summary>
    public static bool IsInstalled(string binary)
        => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, binary)));

    /// <summary>Runs <paramref name="binary"/> with <paramref name="arguments"/>; returns its CPU time, checking it exits with <paramref name="expectedExit"/>.</summary>
    public static TimeSpan Run(string binary, IEnumerable<string> arguments, int expectedExit)
    {
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
            start.ArgumentList.Add(a);
        var before = Children();
        using var p = Process.Start(start)!;
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            p.Kill();
            throw new TimeoutException($"{binary} did not exit");
        }
        p.WaitForExit();
        var used = Children() - before;
        if (p.ExitCode != expectedExit)
            throw new InvalidOperationException($"{binary} exited with {p.ExitCode}, expected {expectedExit}: {stderr.Result}");
        return used;
    }

    private static TimeSpan Children()
    {
        if (getrusage(RusageChildren, out var u) != 0)
            throw new InvalidOperationException($"getrusage failed: errno {Marshal.GetLastPInvokeError()}");
        return TimeSpan.FromTicks((u.UserSeconds + u.SystemSeconds) * TimeSpan.TicksPerSecond
            + (u.UserMicroseconds + u.SystemMicroseconds) * TimeSpan.TicksPerMicrosecond);
    }
}
