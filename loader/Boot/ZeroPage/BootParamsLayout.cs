using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LoaderHarness.Loader.Images.BzImage;

namespace LoaderHarness.Loader.Boot.ZeroPage;

/// <summary>
/// Offsets in <c>struct boot_params</c>, the 4096-byte "zero page" (arch/x86/include/uapi/asm/bootparam.h;
/// Documentation/arch/x86/zero-page.rst).
/// </summary>
public static class BootParamsLayout
{
    /// <summary>sizeof(struct boot_params).</summary>
    public const int Size = 4096;
    /// <summary><c>screen_info</c> (<see cref="ZeroPage.ScreenInfo"/>).</summary>
    public const int ScreenInfo = 0x000;
    /// <summary><c>ext_mem_k</c> in screen_info (u16).</summary>
    public const int ExtMemK = 0x002;
    /// <summary><c>apm_bios_info</c> (<see cref="ZeroPage.ApmBiosInfo"/>).</summary>
    public const int ApmBiosInfo = 0x040;
    /// <summary><c>tboot_addr</c> (u64).</summary>
    public const int TbootAddr = 0x058;
    /// <summary><c>ist_info</c> (<see cref="ZeroPage.IstInfo"/>).</summary>
    public const int IstInfo = 0x060;
    /// <summary><c>acpi_rsdp_addr</c> (u64).</summary>
    public const int AcpiRsdpAddr = 0x070;
    /// <summary><c>hd0_info[16]</c> (obsolete).</summary>
    public const int Hd0Info = 0x080;
    /// <summary><c>hd1_info[16]</c> (obsolete).</summary>
    public const int Hd1Info = 0x090;
    /// <summary><c>sys_desc_table</c> (<see cref="ZeroPage.SysDescTable"/>, obsolete).</summary>
    public const int SysDescTable = 0x0A0;
    /// <summary><c>olpc_ofw_header</c> (16 bytes).</summary>
    public const int OlpcOfwHeader = 0x0B0;
    /// <summary><c>ext_ramdisk_image</c>: high 32 bits of the initrd address (u32, 2.12+).</summary>
    public const int ExtRamdiskImage = 0x0C0;
    /// <summary><c>ext_ramdisk_size</c>: high 32 bits of the initrd size (u32).</summary>
    public const int ExtRamdiskSize = 0x0C4;
    /// <summary><c>ext_cmd_line_ptr</c>: high 32 bits of the command line address (u32).</summary>
    public const int ExtCmdLinePtr = 0x0C8;
    /// <summary><c>cc_blob_address</c> (u32).</summary>
    public const int CcBlobAddress = 0x13C;
    /// <summary><c>edid_info</c> (<see cref="ZeroPage.EdidInfo"/>).</summary>
    public const int EdidInfo = 0x140;
    /// <summary><c>efi_info</c> (<see cref="ZeroPage.EfiInfo"/>).</summary>
    public const int EfiInfo = 0x1C0;
    /// <summary><c>alt_mem_k</c> (u32).</summary>
    public const int AltMemK = 0x1E0;
    /// <summary><c>scratch</c> (u32): the kernel's own scratch field.</summary>
    public const int Scratch = 0x1E4;
    /// <summary><c>e820_entries</c> (u8).</summary>
    public const int E820Entries = 0x1E8;
    /// <summary><c>eddbuf_entries</c> (u8, EDDNR).</summary>
    public const int EddbufEntries = 0x1E9;
    /// <summary><c>edd_mbr_sig_buf_entries</c> (u8, EDD_MBR_SIG_NR_BUF).</summary>
    public const int EddMbrSigBufEntries = 0x1EA;
    /// <summary><c>kbd_status</c> (u8).</summary>
    public const int KbdStatus = 0x1EB;
    /// <summary><c>secure_boot</c> (u8).</summary>
    public const int SecureBoot = 0x1EC;
    /// <summary><c>sentinel</c> (u8): must be 0 from a loader that zeroes the page (boot.rst, Linux 5.3+).</summary>
    public const int Sentinel = 0x1EF;
    /// <summary><c>hdr</c>: the setup header.</summary>
    public const int Header = SetupHeaderLayout.Start;
    /// <summary><c>type_of_loader</c> inside hdr.</summary>
    public const int TypeOfLoader = SetupHeaderLayout.TypeOfLoader;
    /// <summary><c>loadflags</c> inside hdr.</summary>
    public const int LoadFlags = SetupHeaderLayout.LoadFlags;
    /// <summary><c>ramdisk_image</c> inside hdr.</summary>
    public const int RamdiskImage = SetupHeaderLayout.RamdiskImage;
    /// <summary><c>ramdisk_size</c> inside hdr.</summary>
    public const int RamdiskSize = SetupHeaderLayout.RamdiskSize;
    /// <summary><c>heap_end_ptr</c> inside hdr.</summary>
    public const int HeapEndPtr = SetupHeaderLayout.HeapEndPtr;
    /// <summary><c>cmd_line_ptr</c> inside hdr.</summary>
    public const int CmdLinePtr = SetupHeaderLayout.CmdLinePtr;
    /// <summary><c>setup_data</c> inside hdr (u64, 2.09+).</summary>
    public const int SetupData = SetupHeaderLayout.SetupData;
    /// <summary><c>edd_mbr_sig_buffer</c>: EDD_MBR_SIG_MAX u32 MBR signatures (EDD_MBR_SIG_BUF).</summary>
    public const int EddMbrSigBuffer = 0x290;
    /// <summary>EDD_MBR_SIG_MAX (include/uapi/linux/edd.h).</summary>
    public const int EddMbrSigMax = 16;
    /// <summary><c>e820_table</c>: E820_MAX_ENTRIES_ZEROPAGE entries of 20 bytes.</summary>
    public const int E820Table = 0x2D0;
    /// <summary>E820_MAX_ENTRIES_ZEROPAGE.</summary>
    public const int E820MaxEntries = 128;
    /// <summary>sizeof(struct boot_e820_entry): u64 addr, u64 size, u32 type, packed.</summary>
    public const int E820EntrySize = 20;
    /// <summary><c>eddbuf</c>: EDDMAXNR <see cref="ZeroPage.EddInfo"/> entries (EDDBUF).</summary>
    public const int Eddbuf = 0xD00;
    /// <summary>EDDMAXNR (include/uapi/linux/edd.h).</summary>
    public const int EddMaxNr = 6;

    /// <summary>Reads a boot_params sub-structure (<see cref="ZeroPage.ScreenInfo"/>, <see cref="ZeroPage.EfiInfo"/>…) at its offset.</summary>
    public static T Read<T>(ReadOnlySpan<byte> page, int offset) where T : unmanaged =>
        MemoryMarshal.Read<T>(page.Slice(offset, Unsafe.SizeOf<T>()));

    /// <summary>Writes a boot_params sub-structure at its offset.</summary>
    public static void Write<T>(Span<byte> page, int offset, in T value) where T : unmanaged =>
        MemoryMarshal.Write(page.Slice(offset, Unsafe.SizeOf<T>()), in value);
}
