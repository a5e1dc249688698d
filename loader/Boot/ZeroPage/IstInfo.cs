using System.Runtime.InteropServices;

namespace LoaderHarness.Loader.Boot.ZeroPage;

/// <summary><c>struct ist_info</c> (arch/x86/include/uapi/asm/ist.h: Intel SpeedStep), at 0x060 in boot_params (bootparam.h).</summary>
[StructLayout(LayoutKind.Explicit, Size = SizeInBytes)]
public struct IstInfo
{
    /// <summary>sizeof(struct ist_info).</summary>
    public const int SizeInBytes = 0x10;

    /// <summary><c>signature</c> (0x00).</summary>
    [FieldOffset(0x00)] public uint Signature;
    /// <summary><c>command</c> (0x04).</summary>
    [FieldOffset(0x04)] public uint Command;
    /// <summary><c>event</c> (0x08).</summary>
    [FieldOffset(0x08)] public uint Event;
    /// <summary><c>perf_level</c> (0x0c).</summary>
    [FieldOffset(0x0C)] public uint PerfLevel;
}
