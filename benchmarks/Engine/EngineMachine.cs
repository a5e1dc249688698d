using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Benchmarks.Engine;

/// <summary>This engine set up in 64-bit mode over <see cref="GuestLayout"/> with one <see cref="GuestProgram"/> loaded.</summary>
internal sealed class EngineMachine : IDisposable
{
    private readonly GuestMemory _memory = GuestMemory.Flat(GuestLayout.MemorySize);
    private readonly X86Cpu _cpu;

    public EngineMachine(GuestProgram program, EngineTier engine = EngineTier.Interpreter)
    {
        _memory.Write(GuestLayout.PageTables, GuestLayout.BuildPageTables());
        _memory.Write(GuestLayout.Source, GuestLayout.SourcePattern());
        _memory.Write(GuestLayout.CodeBase, program.Code);
        _cpu = new X86Cpu(_memory)
        {
            Cr4 = ControlBits.Cr4Pae,
            Cr3 = GuestLayout.PageTables,
            Efer = ControlBits.EferLme | ControlBits.EferNxe,
            Cr0 = ControlBits.Cr0Pe | ControlBits.Cr0Pg | ControlBits.Cr0Et | ControlBits.Cr0Wp,
        };
        _cpu.SetSegment(SegmentRegister.Cs, Segment.Flat(0x08, 0x9B, 0xA));
        foreach (var s in new[] { SegmentRegister.Ds, SegmentRegister.Es, SegmentRegister.Ss, SegmentRegister.Fs, SegmentRegister.Gs })
            _cpu.SetSegment(s, Segment.Flat(0x10, 0x93, 0xC));
        _cpu.Engine = engine;
    }

    /// <summary>What the compiling tier did (all zero on the interpreter).</summary>
    public TieringStatistics Tiering => _cpu.Tiering;

    /// <summary>Instructions the hook has seen.</summary>
    public ulong HookCalls { get; private set; }

    /// <summary>Installs a per-instruction hook that counts, the cheapest useful tracing hook.</summary>
    public void InstallCountingHook() => _cpu.InstructionHook = _ => HookCalls++;

    /// <summary>Runs the program from its first instruction with zeroed registers; returns RAX.</summary>
    public ulong Run(bool cold = false)
    {
        if (cold)
            _cpu.InvalidateCodeCache();
        for (var r = Register.RAX; r <= Register.R15; r++)
            _cpu[r] = 0;
        _cpu[Register.RSP] = GuestLayout.StackTop;
        _cpu.Rip = GuestLayout.CodeBase;
        LastRun = _cpu.Run(ulong.MaxValue);
        if (LastRun.Reason != StopReason.Halt)
            throw new InvalidOperationException($"engine stopped early: {LastRun}");
        return _cpu[Register.RAX];
    }

    /// <summary>The result of the last <see cref="Run"/>.</summary>
    public RunResult LastRun { get; private set; }

    public void Dispose() => _memory.Dispose();
}
