using System.Diagnostics;

namespace LoaderHarness.Tests.Support;

/// <summary>
/// Boots a kernel + initramfs + command line in QEMU (TCG, no display, serial console on standard output,
/// -no-reboot) and returns the console log, so the kernel's own messages and the fixture /init's line can be
/// compared with what our engine produces. Every run has a hard timeout after which QEMU is killed.
/// </summary>
internal static class QemuOracle
{
    /// <summary>Console lines after which a boot is over (kernel/reboot.c, kernel/panic.c); QEMU is stopped on them.</summary>
    public static readonly string[] FinalLines = ["reboot: Power down", "reboot: System halted", "---[ end Kernel panic"];

    /// <summary>The emulator's path; fails under CI=true and skips locally when it is not installed.</summary>
    public static string Require(QemuMachine machine) => Prerequisite.RequireTool(machine.Binary, machine.AptPackage);

    /// <summary>Boots <paramref name="kernel"/> with <paramref name="initrd"/> and <paramref name="commandLine"/> in <paramref name="machine"/>.</summary>
    public static QemuRun Boot(QemuMachine machine, string kernel, string initrd, string commandLine, TimeSpan timeout, string memory = "512M")
    {
        string[] arguments =
        [
            .. machine.MachineArguments, "-accel", "tcg", "-m", memory, "-display", "none", "-nodefaults",
            "-serial", "stdio", "-no-reboot", "-kernel", kernel, "-initrd", initrd, "-append", commandLine,
        ];
        return Run(Require(machine), arguments, timeout);
    }

    /// <summary>
    /// Runs QEMU with <paramref name="arguments"/> until it exits, prints one of <see cref="FinalLines"/>, or
    /// <paramref name="timeout"/> passes; in the last two cases the process is killed.
    /// </summary>
    public static QemuRun Run(string binary, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        var lines = new List<(TimeSpan, string)>();
        using var finished = new ManualResetEventSlim();
        var finalLine = false;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {binary}");
        process.StandardInput.Close(); // QEMU reads no console input
        var errors = process.StandardError.ReadToEndAsync();
        var reader = Task.Run(() =>
        {
            while (process.StandardOutput.ReadLine() is { } line)
            {
                lock (lines)
                    lines.Add((clock.Elapsed, line));
                if (FinalLines.Any(f => line.Contains(f, StringComparison.Ordinal)))
                {
                    finalLine = true;
                    break;
                }
            }
            finished.Set();
        });
        var stop = finished.Wait(timeout) ? (finalLine ? QemuStop.FinalLine : QemuStop.Exited) : QemuStop.TimedOut;
        if (!process.HasExited)
            process.Kill(entireProcessTree: true);
        process.WaitForExit();
        var elapsed = clock.Elapsed;
        reader.Wait(TimeSpan.FromSeconds(5));
        lock (lines)
            return new QemuRun($"{binary} {string.Join(' ', arguments.Select(Quote))}", [.. lines], errors.Result.Trim(), stop, elapsed);
    }

    private static string Quote(string argument) => argument.Contains(' ', StringComparison.Ordinal) ? $"\"{argument}\"" : argument;
}
