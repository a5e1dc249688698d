using System.Runtime.InteropServices;

namespace LoaderHarness.Loader.Boot.ZeroPage;

/// <summary><c>struct edid_info</c> (include/uapi/video/edid.h): the monitor's 128-byte EDID block, at 0x140 in boot_params (bootparam.h).</summary>
[StructLayout(LayoutKind.Explicit, Size = SizeInBytes)]
public struct EdidInfo
{
    /// <summary>sizeof(struct edid_info).</summary>
    public const int SizeInBytes = 0x80;

    /// <summary><c>dummy[128]</c> (0x00).</summary>
    [FieldOffset(0x00)] public FixedBytes128 Dummy;
}
