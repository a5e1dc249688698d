using System.Runtime.InteropServices;

namespace LoaderHarness.Loader.Boot.ZeroPage;

/// <summary>
/// <c>struct edd_info</c> (include/uapi/linux/edd.h, packed; EDDEXTSIZE 8 + EDDPARMSIZE 74): one BIOS disk. boot_params
/// holds EDDMAXNR (6) of them at <c>eddbuf</c> 0xd00, with their count in <c>eddbuf_entries</c> at 0x1e9 (bootparam.h).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = SizeInBytes)]
public struct EddInfo
{
    /// <summary>EDDEXTSIZE + EDDPARMSIZE.</summary>
    public const int SizeInBytes = 82;

    /// <summary><c>device</c> (0x00): the BIOS drive number.</summary>
    [FieldOffset(0x00)] public byte Device;
    /// <summary><c>version</c> (0x01).</summary>
    [FieldOffset(0x01)] public byte Version;
    /// <summary><c>interface_support</c> (0x02): EDD_EXT_*.</summary>
    [FieldOffset(0x02)] public ushort InterfaceSupport;
    /// <summary><c>legacy_max_cylinder</c> (0x04).</summary>
    [FieldOffset(0x04)] public ushort LegacyMaxCylinder;
    /// <summary><c>legacy_max_head</c> (0x06).</summary>
    [FieldOffset(0x06)] public byte LegacyMaxHead;
    /// <summary><c>legacy_sectors_per_track</c> (0x07).</summary>
    [FieldOffset(0x07)] public byte LegacySectorsPerTrack;
    /// <summary><c>params</c> (0x08).</summary>
    [FieldOffset(0x08)] public EddDeviceParams Params;
}
