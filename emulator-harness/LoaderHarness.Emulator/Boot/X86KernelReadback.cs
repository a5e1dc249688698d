using LoaderHarness.Loader.Boot.MemoryMap;

namespace LoaderHarness.Emulator.Boot;

/// <summary>
/// The x86 part of a <see cref="KernelReadback"/>: <c>boot_params</c> as the kernel holds it after
/// <c>copy_bootdata</c> (arch/x86/kernel/head64.c), and <c>phys_base</c>.
/// </summary>
public sealed record X86KernelReadback
{
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
