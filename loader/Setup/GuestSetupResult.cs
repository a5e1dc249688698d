using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Images;

namespace LoaderHarness.Loader.Setup;

/// <summary>Where everything went and how to start the vCPU.</summary>
public sealed record GuestSetupResult
{
    /// <summary>The protocol chosen (never Auto).</summary>
    public required BootProtocol Protocol { get; init; }
    /// <summary>Where the vCPU starts (RIP / EIP / PC).</summary>
    public required ulong Entry { get; init; }
    /// <summary>The boot structure's address: zero page (RSI/ESI), start_info (EBX) or DTB (x0 / a1).</summary>
    public required ulong BootStructureAddress { get; init; }
    /// <summary>The boot structure as written: zero page; start_info followed by its memmap; or the DTB.</summary>
    public required byte[] BootStructure { get; init; }
    /// <summary>The kernel load.</summary>
    public required KernelLoadResult Kernel { get; init; }
    /// <summary>Initrd address and size, if one was loaded.</summary>
    public (ulong Address, ulong Size)? Initrd { get; init; }
    /// <summary>Where the NUL-terminated command line is.</summary>
    public required ulong CommandLineAddress { get; init; }
    /// <summary>The command line as written, without the NUL.</summary>
    public required string CommandLine { get; init; }
    /// <summary>The memory map given to the kernel (e820 / memmap / DTB memory nodes).</summary>
    public required IReadOnlyList<MemoryMapEntry> MemoryMap { get; init; }
    /// <summary>Everything placed, sorted by address.</summary>
    public required IReadOnlyList<GuestPlacement> Placements { get; init; }
}
