using System.Collections.Concurrent;

namespace LoaderHarness.Benchmarks.Engine;

/// <summary>
/// QEMU TCG's speed on a <see cref="TcgGuest"/> loop: the loop image and the same image without the loop run
/// alternately, five times each; net guest time = median(process time with the loop) − median(without), so
/// QEMU's start-up (machine creation, firmware, ROMs, the images' prologues, exit) is subtracted; MIPS = the
/// loop's instructions / net time. Each loop image checks its result register against the engines' and
/// exits with another status when it differs, which fails the measurement.
/// </summary>
internal static class QemuBaseline
{
    /// <summary>Loop passes QEMU runs: enough that its net time (about a second) dwarfs start-up jitter.</summary>
    public static int Iterations(GuestArch arch, TcgWorkload workload) => (arch, workload) switch
    {
        (GuestArch.X86, TcgWorkload.IntegerLoop) => 200_000_000,
        (GuestArch.A64, TcgWorkload.IntegerLoop) => 300_000_000,
        (GuestArch.X86, _) => 3_000, // 393,221 instructions a pass
        _ => 4_000, // 262,149 instructions a pass
    };

    private const int Runs = 5;

    private static readonly ConcurrentDictionary<(GuestArch, TcgWorkload), double> Cache = new();

    /// <summary>QEMU TCG MIPS for <paramref name="workload"/> on <paramref name="arch"/>, measured once per process; NaN when QEMU is not installed.</summary>
    public static double Mips(GuestArch arch, TcgWorkload workload) => Cache.GetOrAdd((arch, workload), key => Measure(key.Item1, key.Item2));

    /// <summary>The command lines, as README quotes them.</summary>
    public static string[] Arguments(GuestArch arch, string image) => arch == GuestArch.X86
        ? ["-M", "microvm", "-nodefaults", "-no-user-config", "-nographic", "-display", "none",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-kernel", image]
        : ["-M", "virt", "-cpu", "cortex-a57", "-nodefaults", "-no-user-config", "-nographic", "-display", "none",
            "-semihosting-config", "enable=on,target=native", "-kernel", image];

    private static double Measure(GuestArch arch, TcgWorkload workload)
    {
        var binary = arch == GuestArch.X86 ? "qemu-system-x86_64" : "qemu-system-aarch64";
        if (!QemuProcessTime.IsInstalled(binary))
            return double.NaN;
        var dir = Directory.CreateTempSubdirectory("tcg-baseline-");
        try
        {
            string loop = Path.Combine(dir.FullName, "loop"), empty = Path.Combine(dir.FullName, "empty");
            var iterations = Iterations(arch, workload);
            var expected = TcgGuest.ExpectedResult(workload, (ulong)iterations);
            ulong instructions;
            if (arch == GuestArch.X86)
            {
                var program = TcgBaselineBenchmarks.X86Program(workload, iterations);
                File.WriteAllBytes(loop, TcgGuest.X86Elf(program.Code[..^1], expected));
                File.WriteAllBytes(empty, TcgGuest.X86Elf(null, expected));
                instructions = program.Instructions - 1 + TcgGuest.CheckInstructions; // without the HLT the loop image replaces
            }
            else
            {
                File.WriteAllBytes(loop, TcgGuest.A64Image(workload, (ulong)iterations));
                File.WriteAllBytes(empty, TcgGuest.A64Image(workload, 0));
                // The loop and the check; LDR and CBZ run in both images, and the QEMU image has no WFI.
                instructions = TcgGuest.A64Instructions(workload, (ulong)iterations) - 3 + TcgGuest.CheckInstructions;
            }
            var exit = arch == GuestArch.X86 ? TcgGuest.X86ExitValue * 2 + 1 : 0;
            var with = new List<double>();
            var without = new List<double>();
            for (var i = 0; i < Runs; i++)
            {
                with.Add(QemuProcessTime.Run(binary, Arguments(arch, loop), exit).TotalSeconds);
                without.Add(QemuProcessTime.Run(binary, Arguments(arch, empty), exit).TotalSeconds);
            }
            var net = Median(with) - Median(without);
            Console.WriteLine($"// QEMU {arch} {workload}: with loop {Median(with):F3} s, without {Median(without):F3} s, net {net:F3} s for {instructions:N0} instructions");
            return instructions / net / 1e6;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
