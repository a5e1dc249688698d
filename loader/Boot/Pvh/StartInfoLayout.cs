namespace LoaderHarness.Loader.Boot.Pvh;

/// <summary>
/// Byte layouts of the PVH boot structures (xen/include/public/arch-x86/hvm/start_info.h): all
/// little-endian, an address of 0 means "absent".
/// </summary>
public static class StartInfoLayout
{
    /// <summary>XEN_HVM_START_MAGIC_VALUE at <c>magic</c> (+0).</summary>
    public const uint Magic = 0x336E_C578;
    /// <summary>sizeof(struct hvm_start_info), version 1.</summary>
    public const int Size = 56;
    /// <summary><c>version</c> (+4, u32).</summary>
    public const int Version = 4;
    /// <summary><c>flags</c> (+8, u32, SIF_*).</summary>
    public const int Flags = 8;
    /// <summary><c>nr_modules</c> (+12, u32).</summary>
    public const int NrModules = 12;
    /// <summary><c>modlist_paddr</c> (+16, u64).</summary>
    public const int ModlistPaddr = 16;
    /// <summary><c>cmdline_paddr</c> (+24, u64).</summary>
    public const int CmdlinePaddr = 24;
    /// <summary><c>rsdp_paddr</c> (+32, u64).</summary>
    public const int RsdpPaddr = 32;
    /// <summary><c>memmap_paddr</c> (+40, u64, version 1+).</summary>
    public const int MemmapPaddr = 40;
    /// <summary><c>memmap_entries</c> (+48, u32, version 1+).</summary>
    public const int MemmapEntries = 48;
    /// <summary><c>reserved</c> (+52, u32, must be 0).</summary>
    public const int Reserved = 52;

    /// <summary>sizeof(struct hvm_memmap_table_entry): u64 addr, u64 size, u32 type, u32 reserved.</summary>
    public const int MemmapEntrySize = 24;
    /// <summary>sizeof(struct hvm_modlist_entry): u64 paddr, u64 size, u64 cmdline_paddr, u64 reserved.</summary>
    public const int ModlistEntrySize = 32;
}
