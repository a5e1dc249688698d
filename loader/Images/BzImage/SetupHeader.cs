using LoaderHarness.Loader.Errors;
using static LoaderHarness.Loader.Binary.LittleEndian;
using L = LoaderHarness.Loader.Images.BzImage.SetupHeaderLayout;

namespace LoaderHarness.Loader.Images.BzImage;

/// <summary>
/// The x86 boot protocol's <c>struct setup_header</c>, read field by field from offset 0x1F1 of a
/// bzImage (Documentation/arch/x86/boot.rst, arch/x86/include/uapi/asm/bootparam.h). Offsets below are
/// image / <c>boot_params</c> offsets. Fields a given protocol version does not define read as the
/// bytes present; use the <c>Effective…</c> properties for the version-dependent meaning.
/// </summary>
public readonly record struct SetupHeader
{
    /// <summary>Offset of the header in the image and in <c>boot_params</c>.</summary>
    public const int Offset = L.Start;
    /// <summary>Bytes of the header up to and including <c>kernel_info_offset</c> (0x26C − 0x1F1).</summary>
    public const int Size = L.End - L.Start;
    /// <summary>"HdrS" at 0x202.</summary>
    public const uint HeaderMagic = 0x5372_6448;
    /// <summary>The boot flag at 0x1FE.</summary>
    public const ushort BootFlagMagic = 0xAA55;
    /// <summary>loadflags bit 0: protected-mode code at 0x100000.</summary>
    public const byte LoadedHigh = 0x01;
    /// <summary>loadflags bit 7: heap_end_ptr is valid.</summary>
    public const byte CanUseHeap = 0x80;

    /// <summary><c>setup_sects</c> at 0x1F1 (all): setup size in 512-byte sectors; 0 means 4.</summary>
    public byte SetupSects { get; init; }
    /// <summary><c>root_flags</c> at 0x1F2 (all).</summary>
    public ushort RootFlags { get; init; }
    /// <summary><c>syssize</c> at 0x1F4: protected-mode size in 16-byte paragraphs (4 bytes from 2.04, 2 before).</summary>
    public uint SysSize { get; init; }
    /// <summary><c>ram_size</c> at 0x1F8 (obsolete).</summary>
    public ushort RamSize { get; init; }
    /// <summary><c>vid_mode</c> at 0x1FA.</summary>
    public ushort VidMode { get; init; }
    /// <summary><c>root_dev</c> at 0x1FC.</summary>
    public ushort RootDev { get; init; }
    /// <summary><c>boot_flag</c> at 0x1FE: 0xAA55.</summary>
    public ushort BootFlag { get; init; }
    /// <summary><c>jump</c> at 0x200 (2.00+): 0xEB rel8; the header ends at 0x202 + the rel8 byte.</summary>
    public ushort Jump { get; init; }
    /// <summary><c>header</c> at 0x202 (2.00+): "HdrS".</summary>
    public uint Header { get; init; }
    /// <summary><c>version</c> at 0x206 (2.00+): (major &lt;&lt; 8) | minor.</summary>
    public ushort Version { get; init; }
    /// <summary><c>realmode_swtch</c> at 0x208 (2.00+).</summary>
    public uint RealModeSwitch { get; init; }
    /// <summary><c>start_sys_seg</c> at 0x20C (2.00+, obsolete).</summary>
    public ushort StartSysSeg { get; init; }
    /// <summary><c>kernel_version</c> at 0x20E (2.00+): pointer to the version string, minus 0x200.</summary>
    public ushort KernelVersion { get; init; }
    /// <summary><c>type_of_loader</c> at 0x210 (2.00+, written by the loader).</summary>
    public byte TypeOfLoader { get; init; }
    /// <summary><c>loadflags</c> at 0x211 (2.00+).</summary>
    public byte LoadFlags { get; init; }
    /// <summary><c>setup_move_size</c> at 0x212 (2.00–2.01).</summary>
    public ushort SetupMoveSize { get; init; }
    /// <summary><c>code32_start</c> at 0x214 (2.00+): 32-bit entry / protected-mode load address.</summary>
    public uint Code32Start { get; init; }
    /// <summary><c>ramdisk_image</c> at 0x218 (2.00+).</summary>
    public uint RamdiskImage { get; init; }
    /// <summary><c>ramdisk_size</c> at 0x21C (2.00+).</summary>
    public uint RamdiskSize { get; init; }
    /// <summary><c>bootsect_kludge</c> at 0x220 (obsolete).</summary>
    public uint BootsectKludge { get; init; }
    /// <summary><c>heap_end_ptr</c> at 0x224 (2.01+).</summary>
    public ushort HeapEndPtr { get; init; }
    /// <summary><c>ext_loader_ver</c> at 0x226 (2.02+).</summary>
    public byte ExtLoaderVer { get; init; }
    /// <summary><c>ext_loader_type</c> at 0x227 (2.02+).</summary>
    public byte ExtLoaderType { get; init; }
    /// <summary><c>cmd_line_ptr</c> at 0x228 (2.02+).</summary>
    public uint CmdLinePtr { get; init; }
    /// <summary><c>initrd_addr_max</c> at 0x22C (2.03+).</summary>
    public uint InitrdAddrMax { get; init; }
    /// <summary><c>kernel_alignment</c> at 0x230 (2.05+).</summary>
    public uint KernelAlignment { get; init; }
    /// <summary><c>relocatable_kernel</c> at 0x234 (2.05+).</summary>
    public byte RelocatableKernel { get; init; }
    /// <summary><c>min_alignment</c> at 0x235 (2.10+): log2 of the minimum alignment.</summary>
    public byte MinAlignment { get; init; }
    /// <summary><c>xloadflags</c> at 0x236 (2.12+).</summary>
    public ushort XLoadFlags { get; init; }
    /// <summary><c>cmdline_size</c> at 0x238 (2.06+): maximum command line length without the NUL.</summary>
    public uint CmdlineSize { get; init; }
    /// <summary><c>hardware_subarch</c> at 0x23C (2.07+).</summary>
    public uint HardwareSubarch { get; init; }
    /// <summary><c>hardware_subarch_data</c> at 0x240 (2.07+).</summary>
    public ulong HardwareSubarchData { get; init; }
    /// <summary><c>payload_offset</c> at 0x248 (2.08+): from the start of protected-mode code.</summary>
    public uint PayloadOffset { get; init; }
    /// <summary><c>payload_length</c> at 0x24C (2.08+).</summary>
    public uint PayloadLength { get; init; }
    /// <summary><c>setup_data</c> at 0x250 (2.09+): head of the setup_data list.</summary>
    public ulong SetupData { get; init; }
    /// <summary><c>pref_address</c> at 0x258 (2.10+).</summary>
    public ulong PrefAddress { get; init; }
    /// <summary><c>init_size</c> at 0x260 (2.10+).</summary>
    public uint InitSize { get; init; }
    /// <summary><c>handover_offset</c> at 0x264 (2.11+).</summary>
    public uint HandoverOffset { get; init; }
    /// <summary><c>kernel_info_offset</c> at 0x268 (2.15+).</summary>
    public uint KernelInfoOffset { get; init; }

    /// <summary>The protocol version as "major.minor", e.g. "2.15".</summary>
    public string ProtocolVersion => $"{Version >> 8}.{Version & 0xFF:D2}";

    /// <summary>True when "HdrS" is present, i.e. protocol 2.00 or later.</summary>
    public bool HasHeaderMagic => Header == HeaderMagic;

    /// <summary>Setup sectors with the "0 means 4" rule applied.</summary>
    public int EffectiveSetupSects => SetupSects == 0 ? 4 : SetupSects;

    /// <summary>File offset of the protected-mode code: (setup_sects + 1) × 512.</summary>
    public int ProtectedModeOffset => (EffectiveSetupSects + 1) * 512;

    /// <summary>Size of the protected-mode code from <c>syssize</c> (2-byte field before 2.04).</summary>
    public ulong ProtectedModeSize => (ulong)(Version >= 0x0204 ? SysSize : SysSize & 0xFFFF) * 16;

    /// <summary>One past the last header byte the image defines: 0x202 + the jump's rel8 (boot.rst).</summary>
    public int HeaderEnd => L.Header + (Jump >> 8);

    /// <summary>Highest byte an initrd may occupy: <c>initrd_addr_max</c> from 2.03, 0x37FFFFFF before.</summary>
    public uint EffectiveInitrdAddrMax => Version >= 0x0203 ? InitrdAddrMax : 0x37FF_FFFF;

    /// <summary>Maximum command line length without the NUL: <c>cmdline_size</c> from 2.06, 255 before.</summary>
    public uint EffectiveCmdlineSize => Version >= 0x0206 ? CmdlineSize : 255;

    /// <summary><c>init_size</c> from 2.10; 0 before (the bytes at 0x260 are setup code in older kernels).</summary>
    public uint EffectiveInitSize => Version >= 0x020A ? InitSize : 0;

    /// <summary>Whether the kernel may be loaded at any multiple of <c>kernel_alignment</c> (2.05+).</summary>
    public bool IsRelocatable => Version >= 0x0205 && RelocatableKernel != 0;

    /// <summary>The xloadflags the kernel advertises (0 before 2.12).</summary>
    public XLoadFlags EffectiveXLoadFlags => Version >= 0x020C ? (XLoadFlags)XLoadFlags : 0;

    /// <summary>Whether the protocol has <c>cmd_line_ptr</c> (2.02+) rather than the 0xA33F magic.</summary>
    public bool HasCmdLinePtr => Version >= 0x0202;

    /// <summary>
    /// Reads the header from an image (or a <c>boot_params</c> page). Needs at least 0x26C bytes;
    /// checks nothing about the values — see <see cref="BzImageKernel"/> for the acceptance rules.
    /// </summary>
    public static SetupHeader Parse(ReadOnlySpan<byte> image)
    {
        if (image.Length < Offset + Size)
            throw new LoaderException(LoaderError.TruncatedImage,
                $"image is 0x{image.Length:x} bytes; the setup header needs 0x{Offset + Size:x} (boot.rst: setup_header ends at 0x26c)");
        return new SetupHeader
        {
            SetupSects = image[L.SetupSects],
            RootFlags = ReadU16(image, L.RootFlags),
            SysSize = ReadU32(image, L.SysSize),
            RamSize = ReadU16(image, L.RamSize),
            VidMode = ReadU16(image, L.VidMode),
            RootDev = ReadU16(image, L.RootDev),
            BootFlag = ReadU16(image, L.BootFlag),
            Jump = ReadU16(image, L.Jump),
            Header = ReadU32(image, L.Header),
            Version = ReadU16(image, L.Version),
            RealModeSwitch = ReadU32(image, L.RealModeSwitch),
            StartSysSeg = ReadU16(image, L.StartSysSeg),
            KernelVersion = ReadU16(image, L.KernelVersion),
            TypeOfLoader = image[L.TypeOfLoader],
            LoadFlags = image[L.LoadFlags],
            SetupMoveSize = ReadU16(image, L.SetupMoveSize),
            Code32Start = ReadU32(image, L.Code32Start),
            RamdiskImage = ReadU32(image, L.RamdiskImage),
            RamdiskSize = ReadU32(image, L.RamdiskSize),
            BootsectKludge = ReadU32(image, L.BootsectKludge),
            HeapEndPtr = ReadU16(image, L.HeapEndPtr),
            ExtLoaderVer = image[L.ExtLoaderVer],
            ExtLoaderType = image[L.ExtLoaderType],
            CmdLinePtr = ReadU32(image, L.CmdLinePtr),
            InitrdAddrMax = ReadU32(image, L.InitrdAddrMax),
            KernelAlignment = ReadU32(image, L.KernelAlignment),
            RelocatableKernel = image[L.RelocatableKernel],
            MinAlignment = image[L.MinAlignment],
            XLoadFlags = ReadU16(image, L.XLoadFlags),
            CmdlineSize = ReadU32(image, L.CmdlineSize),
            HardwareSubarch = ReadU32(image, L.HardwareSubarch),
            HardwareSubarchData = ReadU64(image, L.HardwareSubarchData),
            PayloadOffset = ReadU32(image, L.PayloadOffset),
            PayloadLength = ReadU32(image, L.PayloadLength),
            SetupData = ReadU64(image, L.SetupData),
            PrefAddress = ReadU64(image, L.PrefAddress),
            InitSize = ReadU32(image, L.InitSize),
            HandoverOffset = ReadU32(image, L.HandoverOffset),
            KernelInfoOffset = ReadU32(image, L.KernelInfoOffset),
        };
    }

    /// <summary>Writes every field back at its offset (the inverse of <see cref="Parse"/>).</summary>
    public void WriteTo(Span<byte> page)
    {
        if (page.Length < Offset + Size)
            throw new ArgumentException($"need 0x{Offset + Size:x} bytes", nameof(page));
        page[L.SetupSects] = SetupSects;
        WriteU16(page, L.RootFlags, RootFlags);
        WriteU32(page, L.SysSize, SysSize);
        WriteU16(page, L.RamSize, RamSize);
        WriteU16(page, L.VidMode, VidMode);
        WriteU16(page, L.RootDev, RootDev);
        WriteU16(page, L.BootFlag, BootFlag);
        WriteU16(page, L.Jump, Jump);
        WriteU32(page, L.Header, Header);
        WriteU16(page, L.Version, Version);
        WriteU32(page, L.RealModeSwitch, RealModeSwitch);
        WriteU16(page, L.StartSysSeg, StartSysSeg);
        WriteU16(page, L.KernelVersion, KernelVersion);
        page[L.TypeOfLoader] = TypeOfLoader;
        page[L.LoadFlags] = LoadFlags;
        WriteU16(page, L.SetupMoveSize, SetupMoveSize);
        WriteU32(page, L.Code32Start, Code32Start);
        WriteU32(page, L.RamdiskImage, RamdiskImage);
        WriteU32(page, L.RamdiskSize, RamdiskSize);
        WriteU32(page, L.BootsectKludge, BootsectKludge);
        WriteU16(page, L.HeapEndPtr, HeapEndPtr);
        page[L.ExtLoaderVer] = ExtLoaderVer;
        page[L.ExtLoaderType] = ExtLoaderType;
        WriteU32(page, L.CmdLinePtr, CmdLinePtr);
        WriteU32(page, L.InitrdAddrMax, InitrdAddrMax);
        WriteU32(page, L.KernelAlignment, KernelAlignment);
        page[L.RelocatableKernel] = RelocatableKernel;
        page[L.MinAlignment] = MinAlignment;
        WriteU16(page, L.XLoadFlags, XLoadFlags);
        WriteU32(page, L.CmdlineSize, CmdlineSize);
        WriteU32(page, L.HardwareSubarch, HardwareSubarch);
        WriteU64(page, L.HardwareSubarchData, HardwareSubarchData);
        WriteU32(page, L.PayloadOffset, PayloadOffset);
        WriteU32(page, L.PayloadLength, PayloadLength);
        WriteU64(page, L.SetupData, SetupData);
        WriteU64(page, L.PrefAddress, PrefAddress);
        WriteU32(page, L.InitSize, InitSize);
        WriteU32(page, L.HandoverOffset, HandoverOffset);
        WriteU32(page, L.KernelInfoOffset, KernelInfoOffset);
    }
}
