using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Images.BzImage;

namespace LoaderHarness.Loader.Boot.ZeroPage;

/// <summary>What goes into a zero page: the kernel's setup header plus what the loader decided.</summary>
public sealed record ZeroPageSpec
{
    /// <summary>The setup header (from the bzImage, or one built for a vmlinux).</summary>
    public required SetupHeader Header { get; init; }
    /// <summary>
    /// Header bytes to copy, from 0x1F1 up to this offset: for a bzImage the end its jump marks
    /// (0x202 + byte[0x201]), beyond which the image holds setup code, not fields (boot.rst).
    /// </summary>
    public required int HeaderEnd { get; init; }
    /// <summary><c>type_of_loader</c>: 0xFF "undefined" as Firecracker and Cloud Hypervisor write; never 0, or the kernel drops the initrd.</summary>
    public byte TypeOfLoader { get; init; } = 0xFF;
    /// <summary>Guest-physical address of the NUL-terminated command line (0: none).</summary>
    public ulong CommandLineAddress { get; init; }
    /// <summary>Guest-physical address of the initrd (0: none).</summary>
    public ulong InitrdAddress { get; init; }
    /// <summary>Initrd size in bytes (0: none).</summary>
    public ulong InitrdSize { get; init; }
    /// <summary>The e820 map; at most 128 entries fit (the rest go in a SETUP_E820_EXT node).</summary>
    public IReadOnlyList<MemoryMapEntry> E820 { get; init; } = [];
    /// <summary><c>acpi_rsdp_addr</c> (0: let the kernel scan for it).</summary>
    public ulong AcpiRsdpAddress { get; init; }
    /// <summary>Head of the <c>setup_data</c> list (0: none; protocol 2.09+).</summary>
    public ulong SetupDataAddress { get; init; }
}
