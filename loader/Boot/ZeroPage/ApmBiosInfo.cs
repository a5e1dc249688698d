using System.Runtime.InteropServices;

namespace LoaderHarness.Loader.Boot.ZeroPage;

/// <summary><c>struct apm_bios_info</c> (include/uapi/linux/apm_bios.h), at 0x040 in boot_params (bootparam.h).</summary>
[StructLayout(LayoutKind.Explicit, Size = SizeInBytes)]
public struct ApmBiosInfo
{
    /// <summary>sizeof(struct apm_bios_info).</summary>
    public const int SizeInBytes = 0x14;

    /// <summary><c>version</c> (0x00).</summary>
    [FieldOffset(0x00)] public ushort Version;
    /// <summary><c>cseg</c> (0x02).</summary>
    [FieldOffset(0x02)] public ushort Cseg;
    /// <summary><c>offset</c> (0x04).</summary>
    [FieldOffset(0x04)] public uint Offset;
    /// <summary><c>cseg_16</c> (0x08).</summary>
    [FieldOffset(0x08)] public ushort Cseg16;
    /// <summary><c>dseg</c> (0x0a).</summary>
    [FieldOffset(0x0A)] public ushort Dseg;
    /// <summary><c>flags</c> (0x0c).</summary>
    [FieldOffset(0x0C)] public ushort Flags;
    /// <summary><c>cseg_len</c> (0x0e).</summary>
    [FieldOffset(0x0E)] public ushort CsegLen;
    /// <summary><c>cseg_16_len</c> (0x10).</summary>
    [FieldOffset(0x10)] public ushort Cseg16Len;
    /// <summary><c>dseg_len</c> (0x12).</summary>
    [FieldOffset(0x12)] public ushort DsegLen;
}
