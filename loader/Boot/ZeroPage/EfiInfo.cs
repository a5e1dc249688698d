using System.Runtime.InteropServices;

namespace LoaderHarness.Loader.Boot.ZeroPage;

/// <summary><c>struct efi_info</c> (bootparam.h), at 0x1c0 in boot_params: where the EFI system table and memory map are.</summary>
[StructLayout(LayoutKind.Explicit, Size = SizeInBytes)]
public struct EfiInfo
{
    /// <summary>sizeof(struct efi_info).</summary>
    public const int SizeInBytes = 0x20;

    /// <summary><c>efi_loader_signature</c> (0x00): "EL64" or "EL32".</summary>
    [FieldOffset(0x00)] public uint EfiLoaderSignature;
    /// <summary><c>efi_systab</c> (0x04).</summary>
    [FieldOffset(0x04)] public uint EfiSystab;
    /// <summary><c>efi_memdesc_size</c> (0x08).</summary>
    [FieldOffset(0x08)] public uint EfiMemdescSize;
    /// <summary><c>efi_memdesc_version</c> (0x0c).</summary>
    [FieldOffset(0x0C)] public uint EfiMemdescVersion;
    /// <summary><c>efi_memmap</c> (0x10).</summary>
    [FieldOffset(0x10)] public uint EfiMemmap;
    /// <summary><c>efi_memmap_size</c> (0x14).</summary>
    [FieldOffset(0x14)] public uint EfiMemmapSize;
    /// <summary><c>efi_systab_hi</c> (0x18).</summary>
    [FieldOffset(0x18)] public uint EfiSystabHi;
    /// <summary><c>efi_memmap_hi</c> (0x1c).</summary>
    [FieldOffset(0x1C)] public uint EfiMemmapHi;
}
