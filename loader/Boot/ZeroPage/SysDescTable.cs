using System.Runtime.InteropServices;

namespace LoaderHarness.Loader.Boot.ZeroPage;

/// <summary><c>struct sys_desc_table</c> (bootparam.h, "obsolete"), at 0x0a0 in boot_params: the BIOS system description.</summary>
[StructLayout(LayoutKind.Explicit, Size = SizeInBytes)]
public struct SysDescTable
{
    /// <summary>sizeof(struct sys_desc_table).</summary>
    public const int SizeInBytes = 0x10;

    /// <summary><c>length</c> (0x00).</summary>
    [FieldOffset(0x00)] public ushort Length;
    /// <summary><c>table[14]</c> (0x02).</summary>
    [FieldOffset(0x02)] public FixedBytes14 Table;
}
