using BenchmarkDotNet.Attributes;
using LoaderHarness.Emulator.Core.Tiering;
using LoaderHarness.Fixtures.Arm64;

namespace LoaderHarness.Benchmarks.Engine;

/// <summary>
/// One integer loop per architecture on the interpreter, the compiling tier and Unicorn 2 (timed here), with
/// QEMU TCG as the baseline in the same run (<see cref="QemuBaseline"/>: system emulation from power-on,
/// start-up subtracted). x86: <see cref="EngineWorkload.IntegerLoop"/> (ADD, XOR, LEA, SUB, DEC, JNZ);
/// A64: ADD, EOR (shifted), SUBS, B.NE. The MIPS column is this row's guest rate, QEMU MIPS the baseline's.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(TcgBaselineConfig))]
public class TcgBaselineBenchmarks
{
    /// <summary>Loop passes of the timed engines: x86 12 M instructions, A64 16 M.</summary>
    public const int Iterations = 2_000_000, A64Iterations = 4_000_000;

    private EngineMachine? _x86, _x86Tiered;
    private UnicornMachine? _x86Unicorn;
    private A64EngineMachine? _a64, _a64Tiered;
    private A64UnicornMachine? _a64Unicorn;

    /// <summary>Which architecture's loop runs.</summary>
    [ParamsAllValues]
    public GuestArch Arch { get; set; }

    /// <summary>Guest instructions one run retires, as this engine counts them.</summary>
    public static ulong InstructionsOf(GuestArch arch)
        => arch == GuestArch.X86 ? GuestProgram.IntegerLoopOf(Iterations).Instructions : 4UL * A64Iterations + 2;

    [GlobalSetup]
    public void Setup()
    {
        if (Arch == GuestArch.X86)
        {
            var program = GuestProgram.IntegerLoopOf(Iterations);
            (_x86, _x86Unicorn) = EngineBenchmarkConfig.CreateAndVerify(program, cold: false);
            (_x86Tiered, var extra) = EngineBenchmarkConfig.CreateAndVerify(program, cold: false, tier: EngineTier.Tiered);
            extra.Dispose();
        }
        else
        {
            var code = GnuAarch64Assembler.Assemble(TcgGuest.A64Loop(A64Iterations, forQemu: false));
            _a64 = new A64EngineMachine(code, EngineTier.Interpreter);
            _a64Tiered = new A64EngineMachine(code, EngineTier.Tiered);
            var expected = _a64.Run();
            var wfi = 0UL;
            for (var i = 0; i + 4 <= code.Length && wfi == 0; i += 4)
                if (BitConverter.ToUInt32(code, i) == 0xD503_207F)
                    wfi = A64EngineMachine.Code + (ulong)i;
            _a64Unicorn = new A64UnicornMachine(code, wfi);
            if (_a64Tiered.Run() != expected || _a64Unicorn.Run() != expected || _a64Tiered.LastRun.Instructions != _a64.LastRun.Instructions)
                throw new InvalidOperationException("the A64 loop ends differently on the interpreter, the compiling tier and Unicorn");
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
