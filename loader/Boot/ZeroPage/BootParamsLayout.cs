using LoaderHarness.Loader.Images.BzImage;

namespace LoaderHarness.Loader.Boot.ZeroPage;

/// <summary>
/// Offsets in <c>struct boot_params</c>, the 4096-byte "zero page" (arch/x86/include/uapi/asm/bootparam.h;
/// Documentation/arch/x86/zero-page.rst).
/// </summary>
public static class BootParamsLayout
{
    /// <summary>sizeof(struct boot_params).</summary>
    public const int Size = 4096;
    /// <summary><c>ext_mem_k</c> in screen_info (u16).</summary>
    public const int ExtMemK = 0x002;
    /// <summary><c>acpi_rsdp_addr</c> (u64).</summary>
    public const int AcpiRsdpAddr = 0x070;
    /// <summary><c>ext_ramdisk_image</c>: high 32 bits of the initrd address (u32, 2.12+).</summary>
    public const int ExtRamdiskImage = 0x0C0;
    /// <summary><c>ext_ramdisk_size</c>: high 32 bits of the initrd size (u32).</summary>
    public const int ExtRamdiskSize = 0x0C4;
    /// <summary><c>ext_cmd_line_ptr</c>: high 32 bits of the command line address (u32).</summary>
    public const int ExtCmdLinePtr = 0x0C8;
    /// <summary><c>cc_blob_address</c> (u32).</summary>
    public const int CcBlobAddress = 0x13C;
    /// <summary><c>alt_mem_k</c> (u32).</summary>
    public const int AltMemK = 0x1E0;
    /// <summary><c>e820_entries</c> (u8).</summary>
    public const int E820Entries = 0x1E8;
    /// <summary><c>sentinel</c> (u8): must be 0 from a loader that zeroes the page (boot.rst, Linux 5.3+).</summary>
    public const int Sentinel = 0x1EF;
    /// <summary><c>hdr</c>: the setup header.</summary>
    public const int Header = SetupHeaderLayout.Start;
    /// <summary><c>type_of_loader</c> inside hdr.</summary>
    public const int TypeOfLoader = SetupHeaderLayout.TypeOfLoader;
    /// <summary><c>loadflags</c> inside hdr.</summary>
    public const int LoadFlags = SetupHeaderLayout.LoadFlags;
    /// <summary><c>ramdisk_image</c> inside hdr.</summary>
    public const int RamdiskImage = SetupHeaderLayout.RamdiskImage;
    /// <summary><c>ramdisk_size</c> inside hdr.</summary>
    public const int RamdiskSize = SetupHeaderLayout.RamdiskSize;
    /// <summary><c>heap_end_ptr</c> inside hdr.</summary>
    public const int HeapEndPtr = SetupHeaderLayout.HeapEndPtr;
    /// <summary><c>cmd_line_ptr</c> inside hdr.</summary>
    public const int CmdLinePtr = SetupHeaderLayout.CmdLinePtr;
    /// <summary><c>setup_data</c> inside hdr (u64, 2.09+).</summary>
    public const int SetupData = SetupHeaderLayout.SetupData;
    /// <summary><c>e820_table</c>: E820_MAX_ENTRIES_ZEROPAGE entries of 20 bytes.</summary>
    public const int E820Table = 0x2D0;
    /// <summary>E820_MAX_ENTRIES_ZEROPAGE.</summary>
    public const int E820MaxEntries = 128;
    /// <summary>sizeof(struct boot_e820_entry): u64 addr, u64 size, u32 type, packed.</summary>
    public const int E820EntrySize = 20;
}
