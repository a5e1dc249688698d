using BenchmarkDotNet.Attributes;
using LoaderHarness.Emulator.Core.Tiering;
using LoaderHarness.Fixtures.Arm64;

namespace LoaderHarness.Benchmarks.Engine;

/// <summary>
/// One integer loop and one memory loop (<see cref="TcgWorkload"/>) per architecture on the interpreter, the
/// compiling tier and Unicorn 2 (timed here), with QEMU TCG as the baseline in the same run
/// (<see cref="QemuBaseline"/>: system emulation from power-on, start-up subtracted). The MIPS column is this
/// row's guest rate, QEMU MIPS the baseline's.
/// <list type="bullet">
/// <item>x86: this engine runs in long mode with 4-level paging on (<see cref="EngineMachine"/>: CR0.PG, CR4.PAE,
/// EFER.LME, <see cref="GuestLayout"/>'s identity map of 4 KiB pages), and QEMU under the same page tables
/// (<see cref="TcgGuest.X86Elf"/>), so every load, store and fetch is translated on both; Unicorn 2.0.x
/// identity-maps linear addresses whatever CR0.PG says (<see cref="UnicornMachine"/>).</item>
/// <item>A64: EL1 with the MMU off on all four, as QEMU virt enters an Image (Documentation/arch/arm64/booting.rst:
/// "MMU = off"), over RAM at QEMU virt's base.</item>
/// </list>
/// Before anything is timed, every engine runs its loop once and must end in the same state: the same result
/// register (x86 RAX, A64 X1: the loop's sum, or the last 8 bytes copied) on the interpreter, the compiling
/// tier and Unicorn, and the instruction count the program claims on both tiers; QEMU's images compare the
/// same register with the value <see cref="TcgGuest.ExpectedResult"/> gives and exit differently on a mismatch.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(TcgBaselineConfig))]
public class TcgBaselineBenchmarks
{
    private EngineMachine? _x86, _x86Tiered;
    private UnicornMachine? _x86Unicorn;
    private A64EngineMachine? _a64, _a64Tiered;
    private A64UnicornMachine? _a64Unicorn;

    /// <summary>Which architecture's loop runs.</summary>
    [ParamsAllValues]
    public GuestArch Arch { get; set; }

    /// <summary>Which loop runs.</summary>
    [ParamsAllValues]
    public TcgWorkload Workload { get; set; }

    /// <summary>
    /// Loop passes of the timed engines: x86 integer 12 M instructions, A64 integer 16 M, x86 copy 8 × 64 KiB
    /// (3.1 M instructions), A64 copy 16 × 64 KiB (4.2 M).
    /// </summary>
    public static int Iterations(GuestArch arch, TcgWorkload workload) => (arch, workload) switch
    {
        (GuestArch.X86, TcgWorkload.IntegerLoop) => 2_000_000,
        (GuestArch.A64, TcgWorkload.IntegerLoop) => 4_000_000,
        (GuestArch.X86, _) => 8,
        _ => 16,
    };

    /// <summary>The x86 program of <paramref name="workload"/> with <paramref name="iterations"/> passes.</summary>
    internal static GuestProgram X86Program(TcgWorkload workload, int iterations) => workload == TcgWorkload.IntegerLoop
        ? GuestProgram.IntegerLoopOf(iterations)
        : GuestProgram.ByteCopyOf(iterations, TcgGuest.X86Destination);

    /// <summary>Guest instructions one run retires, as this engine counts them.</summary>
    public static ulong InstructionsOf(GuestArch arch, TcgWorkload workload) => arch == GuestArch.X86
        ? X86Program(workload, Iterations(arch, workload)).Instructions
        : TcgGuest.A64Instructions(workload, (ulong)Iterations(arch, workload));

    [GlobalSetup]
    public void Setup()
    {
        var iterations = Iterations(Arch, Workload);
        var expected = TcgGuest.ExpectedResult(Workload, (ulong)iterations);
        if (Arch == GuestArch.X86)
        {
            // CreateAndVerify checks the instruction count and that Unicorn ends with the same RAX.
            var program = X86Program(Workload, iterations);
            (_x86, _x86Unicorn) = EngineBenchmarkConfig.CreateAndVerify(program, cold: false);
            (_x86Tiered, var extra) = EngineBenchmarkConfig.CreateAndVerify(program, cold: false, tier: EngineTier.Tiered);
            extra.Dispose();
            if (_x86.Run() != expected || _x86Tiered.Run() != expected)
                throw new InvalidOperationException($"the x86 {Workload} does not end with RAX 0x{expected:x}");
        }
        else
        {
            var code = GnuAarch64Assembler.Assemble(TcgGuest.A64Loop(Workload, (ulong)iterations, forQemu: false));
            _a64 = new A64EngineMachine(code, EngineTier.Interpreter);
            _a64Tiered = new A64EngineMachine(code, EngineTier.Tiered);
            var wfi = 0UL;
            for (var i = 0; i + 4 <= code.Length && wfi == 0; i += 4)
                if (BitConverter.ToUInt32(code, i) == 0xD503_207F) // WFI (Arm ARM C6.2, hint #3)
                    wfi = A64EngineMachine.Code + (ulong)i;
            _a64Unicorn = new A64UnicornMachine(code, wfi);
            ulong ours = _a64.Run(), tiered = _a64Tiered.Run(), theirs = _a64Unicorn.Run();
            if (ours != expected || tiered != expected || theirs != expected)
                throw new InvalidOperationException($"the A64 {Workload} ends with X1 0x{ours:x} interpreted, 0x{tiered:x} tiered, 0x{theirs:x} on Unicorn; expected 0x{expected:x}");
            var claimed = InstructionsOf(Arch, Workload);
            if (_a64.LastRun.Instructions != claimed || _a64Tiered.LastRun.Instructions != claimed)
                throw new InvalidOperationException($"the A64 {Workload} retired {_a64.LastRun.Instructions} instructions interpreted, {_a64Tiered.LastRun.Instructions} tiered; it claims {claimed}");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _x86?.Dispose();
        _x86Tiered?.Dispose();
        _x86Unicorn?.Dispose();
        _a64?.Dispose();
        _a64Tiered?.Dispose();
        _a64Unicorn?.Dispose();
    }

    /// <summary>This engine, interpreter only.</summary>
    [Benchmark]
    public ulong Interpreter() => Arch == GuestArch.X86 ? _x86!.Run() : _a64!.Run();

    /// <summary>This engine with the compiling tier (the loop compiled in the verifying run).</summary>
    [Benchmark]
    public ulong Tiered() => Arch == GuestArch.X86 ? _x86Tiered!.Run() : _a64Tiered!.Run();

    /// <summary>Unicorn 2 (QEMU's TCG in a library, no system emulation around it).</summary>
    [Benchmark(Baseline = true)]
    public ulong Unicorn() => Arch == GuestArch.X86 ? _x86Unicorn!.Run() : _a64Unicorn!.Run();
}
