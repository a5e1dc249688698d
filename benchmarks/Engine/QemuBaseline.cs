using System.Collections.Concurrent;

namespace LoaderHarness.Benchmarks.Engine;

/// <summary>
/// QEMU TCG's speed on a <see cref="TcgGuest"/> loop: the loop image and the same image without the loop run
/// alternately, five times each; net guest time = median(process time with the loop) − median(without), so
/// QEMU's start-up (machine creation, firmware, ROMs, exit) is subtracted; MIPS = the loop's instructions / net time.
/// </summary>
internal static class QemuBaseline
{
    /// <summary>Loop passes QEMU runs: enough that its net time (about a second) dwarfs start-up jitter.</summary>
    public const int X86Iterations = 200_000_000, A64Iterations = 300_000_000;

    private const int Runs = 5;

    private static readonly ConcurrentDictionary<GuestArch, double> Cache = new();

    /// <summary>QEMU TCG MIPS for <paramref name="arch"/>, measured once per process; NaN when QEMU is not installed.</summary>
    public static double Mips(GuestArch arch) => Cache.GetOrAdd(arch, Measure);

    /// <summary>The command lines, as README quotes them.</summary>
    public static string[] Arguments(GuestArch arch, string image) => arch == GuestArch.X86
        ? ["-M", "microvm", "-nodefaults", "-no-user-config", "-nographic", "-display", "none",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-kernel", image]
        : ["-M", "virt", "-cpu", "cortex-a57", "-nodefaults", "-no-user-config", "-nographic", "-display", "none", "-kernel", image];

    private static double Measure(GuestArch arch)
    {
        var binary = arch == GuestArch.X86 ? "qemu-system-x86_64" : "qemu-system-aarch64";
        if (!QemuProcessTime.IsInstalled(binary))
            return double.NaN;
        var dir = Directory.CreateTempSubdirectory("tcg-baseline-");
        try
        {
            string loop = Path.Combine(dir.FullName, "loop"), empty = Path.Combine(dir.FullName, "empty");
            ulong instructions;
            if (arch == GuestArch.X86)
            {
                var program = GuestProgram.IntegerLoopOf(X86Iterations);
                File.WriteAllBytes(loop, TcgGuest.X86Elf(program.Code[..^1]));
                File.WriteAllBytes(empty, TcgGuest.X86Elf(null));
                instructions = program.Instructions - 1; // without the HLT the loop image replaces
            }
            else
            {
                File.WriteAllBytes(loop, TcgGuest.A64Image(A64Iterations));
                File.WriteAllBytes(empty, TcgGuest.A64Image(0));
                instructions = 4UL * A64Iterations; // the loop; LDR and CBZ run in both images
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
            Console.WriteLine($"// QEMU {arch}: with loop {Median(with):F3} s, without {Median(without):F3} s, net {net:F3} s for {instructions:N0} instructions");
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
