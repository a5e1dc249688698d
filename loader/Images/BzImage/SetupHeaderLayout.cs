namespace LoaderHarness.Loader.Images.BzImage;

/// <summary>
/// Offsets of <c>struct setup_header</c>'s fields, counted from the start of the image (the same as in
/// <c>struct boot_params</c>, which embeds the header at 0x1F1): the table in Documentation/arch/x86/boot.rst
/// ("THE REAL-MODE KERNEL HEADER") and arch/x86/include/uapi/asm/bootparam.h. <see cref="SetupHeader.Parse"/>
/// and <see cref="SetupHeader.WriteTo"/> both read these; the protocol version in each comment is the first
/// that defines the field.
/// </summary>
public static class SetupHeaderLayout
{
    /// <summary>Where the header starts: <c>setup_sects</c>.</summary>
    public const int Start = 0x1F1;
    /// <summary>One past the last field this loader knows, <c>kernel_info_offset</c> (2.15).</summary>
    public const int End = 0x26C;
    /// <summary><c>setup_sects</c> (u8, all).</summary>
    public const int SetupSects = 0x1F1;
    /// <summary><c>root_flags</c> (u16, all).</summary>
    public const int RootFlags = 0x1F2;
    /// <summary><c>syssize</c> (u32).</summary>
    public const int SysSize = 0x1F4;
    /// <summary><c>ram_size</c> (u16, obsolete).</summary>
    public const int RamSize = 0x1F8;
    /// <summary><c>vid_mode</c> (u16).</summary>
    public const int VidMode = 0x1FA;
    /// <summary><c>root_dev</c> (u16).</summary>
    public const int RootDev = 0x1FC;
    /// <summary><c>boot_flag</c> (u16).</summary>
    public const int BootFlag = 0x1FE;
    /// <summary><c>jump</c> (u16, 2.00+).</summary>
    public const int Jump = 0x200;
    /// <summary><c>header</c> (u32, 2.00+).</summary>
    public const int Header = 0x202;
    /// <summary><c>version</c> (u16, 2.00+).</summary>
    public const int Version = 0x206;
    /// <summary><c>realmode_swtch</c> (u32, 2.00+).</summary>
    public const int RealModeSwitch = 0x208;
    /// <summary><c>start_sys_seg</c> (u16, 2.00+, obsolete).</summary>
    public const int StartSysSeg = 0x20C;
    /// <summary><c>kernel_version</c> (u16, 2.00+).</summary>
    public const int KernelVersion = 0x20E;
    /// <summary><c>type_of_loader</c> (u8, 2.00+, written by the loader).</summary>
    public const int TypeOfLoader = 0x210;
    /// <summary><c>loadflags</c> (u8, 2.00+).</summary>
    public const int LoadFlags = 0x211;
    /// <summary><c>setup_move_size</c> (u16, 2.00–2.01).</summary>
    public const int SetupMoveSize = 0x212;
    /// <summary><c>code32_start</c> (u32, 2.00+).</summary>
    public const int Code32Start = 0x214;
    /// <summary><c>ramdisk_image</c> (u32, 2.00+).</summary>
    public const int RamdiskImage = 0x218;
    /// <summary><c>ramdisk_size</c> (u32, 2.00+).</summary>
    public const int RamdiskSize = 0x21C;
    /// <summary><c>bootsect_kludge</c> (u32, obsolete).</summary>
    public const int BootsectKludge = 0x220;
    /// <summary><c>heap_end_ptr</c> (u16, 2.01+).</summary>
    public const int HeapEndPtr = 0x224;
    /// <summary><c>ext_loader_ver</c> (u8, 2.02+).</summary>
    public const int ExtLoaderVer = 0x226;
    /// <summary><c>ext_loader_type</c> (u8, 2.02+).</summary>
    public const int ExtLoaderType = 0x227;
    /// <summary><c>cmd_line_ptr</c> (u32, 2.02+).</summary>
    public const int CmdLinePtr = 0x228;
    /// <summary><c>initrd_addr_max</c> (u32, 2.03+).</summary>
    public const int InitrdAddrMax = 0x22C;
    /// <summary><c>kernel_alignment</c> (u32, 2.05+).</summary>
    public const int KernelAlignment = 0x230;
    /// <summary><c>relocatable_kernel</c> (u8, 2.05+).</summary>
    public const int RelocatableKernel = 0x234;
    /// <summary><c>min_alignment</c> (u8, 2.10+).</summary>
    public const int MinAlignment = 0x235;
    /// <summary><c>xloadflags</c> (u16, 2.12+).</summary>
    public const int XLoadFlags = 0x236;
    /// <summary><c>cmdline_size</c> (u32, 2.06+).</summary>
    public const int CmdlineSize = 0x238;
    /// <summary><c>hardware_subarch</c> (u32, 2.07+).</summary>
    public const int HardwareSubarch = 0x23C;
    /// <summary><c>hardware_subarch_data</c> (u64, 2.07+).</summary>
    public const int HardwareSubarchData = 0x240;
    /// <summary><c>payload_offset</c> (u32, 2.08+).</summary>
    public const int PayloadOffset = 0x248;
    /// <summary><c>payload_length</c> (u32, 2.08+).</summary>
    public const int PayloadLength = 0x24C;
    /// <summary><c>setup_data</c> (u64, 2.09+).</summary>
    public const int SetupData = 0x250;
    /// <summary><c>pref_address</c> (u64, 2.10+).</summary>
    public const int PrefAddress = 0x258;
    /// <summary><c>init_size</c> (u32, 2.10+).</summary>
    public const int InitSize = 0x260;
    /// <summary><c>handover_offset</c> (u32, 2.11+).</summary>
    public const int HandoverOffset = 0x264;
    /// <summary><c>kernel_info_offset</c> (u32, 2.15+).</summary>
    public const int KernelInfoOffset = 0x268;
}
