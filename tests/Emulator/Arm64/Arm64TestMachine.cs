using LoaderHarness.Emulator.Arm64;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Tests.Emulator.Arm64;

/// <summary>
/// An arm64 CPU at EL1h (DAIF masked, MMU off) over 64 MiB of RAM at 0x4000_0000 (QEMU virt's RAM base),
/// with programs assembled by GNU as placed at <see cref="CodeBase"/>.
/// </summary>
internal sealed class Arm64TestMachine : IDisposable
{
    public const ulong RamBase = 0x4000_0000;
    public const ulong RamSize = 64UL << 20;
    public const ulong CodeBase = 0x4008_0000;
    public const ulong DataBase = 0x4010_0000;
    public const ulong StackTop = 0x4020_0000;

    public Arm64TestMachine()
    {
        Memory = new GuestMemory([new GuestRegion(RamBase, RamSize)]);
        Cpu = new Arm64Cpu(Memory);
    }

    public GuestMemory Memory { get; }

    public Arm64Cpu Cpu { get; }

    /// <summary>Assembles and loads <paramref name="source"/> at <paramref name="at"/>; returns the address just past it.</summary>
    public ulong Load(string source, ulong at = CodeBase)
    {
        var code = A64Assembly.Assemble(source);
        Memory.Write(at, code);
        Cpu.InvalidateCodeCache();
        return at + (ulong)code.Length;
    }

    /// <summary>
    /// Loads <paramref name="source"/> followed by <c>wfi</c> and its literal pool, starts at its first
    /// instruction with SP at <see cref="StackTop"/> and runs until the WFI (<see cref="StopReason.Halt"/>).
    /// </summary>
    public RunResult Run(string source, ulong budget = 1_000_000)
    {
        Load(source + "\n    wfi\n    .ltorg\n");
        Cpu.Pc = CodeBase;
        Cpu.StackPointer = StackTop;
        return Cpu.Run(budget);
    }

    public void Dispose() => Memory.Dispose();
}
