using System.Runtime.InteropServices;

namespace LoaderHarness.Loader.Boot.ZeroPage;

/// <summary>
/// <c>struct screen_info</c> (include/uapi/linux/screen_info.h, offsets as its comments give them), the first 0x40
/// bytes of boot_params (bootparam.h <c>screen_info</c> at 0x000). A VMM without a display leaves it zero but for
/// <see cref="ExtMemK"/>.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = SizeInBytes)]
public struct ScreenInfo
{
    /// <summary>sizeof(struct screen_info).</summary>
    public const int SizeInBytes = 0x40;

    /// <summary><c>orig_x</c> (0x00).</summary>
    [FieldOffset(0x00)] public byte OrigX;
    /// <summary><c>orig_y</c> (0x01).</summary>
    [FieldOffset(0x01)] public byte OrigY;
    /// <summary><c>ext_mem_k</c> (0x02): KiB of memory above 1 MiB.</summary>
    [FieldOffset(0x02)] public ushort ExtMemK;
    /// <summary><c>orig_video_page</c> (0x04).</summary>
    [FieldOffset(0x04)] public ushort OrigVideoPage;
    /// <summary><c>orig_video_mode</c> (0x06).</summary>
    [FieldOffset(0x06)] public byte OrigVideoMode;
    /// <summary><c>orig_video_cols</c> (0x07).</summary>
    [FieldOffset(0x07)] public byte OrigVideoCols;
    /// <summary><c>flags</c> (0x08): VIDEO_FLAGS_NOCURSOR.</summary>
    [FieldOffset(0x08)] public byte Flags;
    /// <summary><c>unused2</c> (0x09).</summary>
    [FieldOffset(0x09)] public byte Unused2;
    /// <summary><c>orig_video_ega_bx</c> (0x0a).</summary>
    [FieldOffset(0x0A)] public ushort OrigVideoEgaBx;
    /// <summary><c>unused3</c> (0x0c).</summary>
    [FieldOffset(0x0C)] public ushort Unused3;
    /// <summary><c>orig_video_lines</c> (0x0e).</summary>
    [FieldOffset(0x0E)] public byte OrigVideoLines;
    /// <summary><c>orig_video_isVGA</c> (0x0f): a VIDEO_TYPE_* value.</summary>
    [FieldOffset(0x0F)] public byte OrigVideoIsVga;
    /// <summary><c>orig_video_points</c> (0x10).</summary>
    [FieldOffset(0x10)] public ushort OrigVideoPoints;
    /// <summary><c>lfb_width</c> (0x12).</summary>
    [FieldOffset(0x12)] public ushort LfbWidth;
    /// <summary><c>lfb_height</c> (0x14).</summary>
    [FieldOffset(0x14)] public ushort LfbHeight;
    /// <summary><c>lfb_depth</c> (0x16).</summary>
    [FieldOffset(0x16)] public ushort LfbDepth;
    /// <summary><c>lfb_base</c> (0x18).</summary>
    [FieldOffset(0x18)] public uint LfbBase;
    /// <summary><c>lfb_size</c> (0x1c).</summary>
    [FieldOffset(0x1C)] public uint LfbSize;
    /// <summary><c>cl_magic</c> (0x20).</summary>
    [FieldOffset(0x20)] public ushort ClMagic;
    /// <summary><c>cl_offset</c> (0x22).</summary>
    [FieldOffset(0x22)] public ushort ClOffset;
    /// <summary><c>lfb_linelength</c> (0x24).</summary>
    [FieldOffset(0x24)] public ushort LfbLineLength;
    /// <summary><c>red_size</c> (0x26).</summary>
    [FieldOffset(0x26)] public byte RedSize;
    /// <summary><c>red_pos</c> (0x27).</summary>
    [FieldOffset(0x27)] public byte RedPos;
    /// <summary><c>green_size</c> (0x28).</summary>
    [FieldOffset(0x28)] public byte GreenSize;
    /// <summary><c>green_pos</c> (0x29).</summary>
    [FieldOffset(0x29)] public byte GreenPos;
    /// <summary><c>blue_size</c> (0x2a).</summary>
    [FieldOffset(0x2A)] public byte BlueSize;
    /// <summary><c>blue_pos</c> (0x2b).</summary>
    [FieldOffset(0x2B)] public byte BluePos;
    /// <summary><c>rsvd_size</c> (0x2c).</summary>
    [FieldOffset(0x2C)] public byte RsvdSize;
    /// <summary><c>rsvd_pos</c> (0x2d).</summary>
    [FieldOffset(0x2D)] public byte RsvdPos;
    /// <summary><c>vesapm_seg</c> (0x2e).</summary>
    [FieldOffset(0x2E)] public ushort VesapmSeg;
    /// <summary><c>vesapm_off</c> (0x30).</summary>
    [FieldOffset(0x30)] public ushort VesapmOff;
    /// <summary><c>pages</c> (0x32).</summary>
    [FieldOffset(0x32)] public ushort Pages;
    /// <summary><c>vesa_attributes</c> (0x34).</summary>
    [FieldOffset(0x34)] public ushort VesaAttributes;
    /// <summary><c>capabilities</c> (0x36): VIDEO_CAPABILITY_*.</summary>
    [FieldOffset(0x36)] public uint Capabilities;
    /// <summary><c>ext_lfb_base</c> (0x3a): high 32 bits of the framebuffer with VIDEO_CAPABILITY_64BIT_BASE.</summary>
    [FieldOffset(0x3A)] public uint ExtLfbBase;
    /// <summary><c>_reserved[2]</c> (0x3e).</summary>
    [FieldOffset(0x3E)] public FixedBytes2 Reserved;
}
