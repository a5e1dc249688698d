using LoaderHarness.Loader.Boot.MemoryMap;

namespace LoaderHarness.Loader.Setup;

/// <summary>
/// What every x86 boot-structure setup (<see cref="ZeroPageSetup"/>, <see cref="PvhSetup"/>,
/// <see cref="RealModeSetup"/>) works from: the request, the kernel's plan, and where the command line,
/// initrd and memory map went. Each adds its structure to <see cref="Plan"/>; nothing is written until the
/// plan commits.
/// </summary>
internal sealed record X86BootInputs
{
    public required GuestSetupRequest Request { get; init; }
    public required PlacementPlan Plan { get; init; }
    public required X86KernelPlan Kernel { get; init; }
    /// <summary>The NUL-terminated command line as placed at <see cref="X86GuestLayout.CommandLine"/>.</summary>
    public required byte[] CommandLine { get; init; }
    public required (ulong Address, ulong Size)? Initrd { get; init; }
    public required IReadOnlyList<MemoryMapEntry> MemoryMap { get; init; }

    public X86GuestLayout Layout => Request.X86;
}

/// <summary>A boot structure as placed: its address (RSI / ESI / EBX or the real-mode base) and its bytes.</summary>
internal readonly record struct X86BootStructure(ulong Address, byte[] Bytes);
