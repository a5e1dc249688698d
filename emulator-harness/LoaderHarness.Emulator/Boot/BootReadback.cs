using LoaderHarness.Loader.Boot.MemoryMap;

namespace LoaderHarness.Emulator.Boot;

/// <summary>
/// What the kernel accepted, read from its own globals after <c>copy_bootdata</c> (boot-contracts §6.4):
/// <c>boot_params</c> and <c>boot_command_line</c>.
/// </summary>
public sealed record BootReadback
{
    /// <summary><c>boot_command_line</c> up to its NUL.</summary>
    public required string BootCommandLine { get; init; }
    /// <summary><c>boot_params.e820_table[0..e820_entries)</c>.</summary>
    public required IReadOnlyList<MemoryMapEntry> E820 { get; init; }
    /// <summary><c>boot_params.hdr.ramdisk_image/ramdisk_size</c> joined with their ext_* halves.</summary>
    public required (ulong Address, ulong Size) Ramdisk { get; init; }
    /// <summary><c>boot_params.hdr.type_of_loader</c>.</summary>
    public required byte TypeOfLoader { get; init; }
    /// <summary><c>boot_params.hdr.version</c>.</summary>
    public required ushort ProtocolVersion { get; init; }
    /// <summary>
    /// <c>phys_base</c> (arch/x86/kernel/head_64.S), the load offset __startup_64 computed:
    /// physical <c>_text</c> − (relocated <c>_text</c> − __START_KERNEL_map); null if the table lacks the symbol.
    /// </summary>
    public ulong? PhysBase { get; init; }
    /// <summary>The whole 4096-byte <c>boot_params</c>.</summary>
    public required byte[] BootParams { get; init; }
}
