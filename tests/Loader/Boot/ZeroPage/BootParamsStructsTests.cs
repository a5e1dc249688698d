using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LoaderHarness.Loader.Boot.Pvh;
using LoaderHarness.Loader.Boot.ZeroPage;
using LoaderHarness.Loader.Images.BzImage;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Boot.ZeroPage;

/// <summary>
/// The boot_params definitions linux-loader v0.14 carries (src/loader_gen/x86_64/bootparam.rs, translated from
/// arch/x86/include/uapi/asm/bootparam.h and setup_data.h): SETUP_* types, loadflags bits, the typed
/// sub-structures with their sizes, field offsets and places in the zero page; and the pvh crate's SIF_* flags.
/// </summary>
[TestFixture]
public sealed class BootParamsStructsTests
{
    private static byte[] Bytes<T>(T value) where T : unmanaged => MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)).ToArray();

    [Test]
    public void Setup_data_types_match_setup_data_h()
    {
        // setup_data.h: SETUP_NONE 0 … SETUP_KEXEC_KHO 10; SETUP_INDIRECT (1<<31).
        ((uint)SetupDataType.None).ShouldBe(0u);
        ((uint)SetupDataType.E820Ext).ShouldBe(1u);
        ((uint)SetupDataType.Dtb).ShouldBe(2u);
        ((uint)SetupDataType.Pci).ShouldBe(3u);
        ((uint)SetupDataType.Efi).ShouldBe(4u);
        ((uint)SetupDataType.AppleProperties).ShouldBe(5u);
        ((uint)SetupDataType.Jailhouse).ShouldBe(6u);
        ((uint)SetupDataType.CcBlob).ShouldBe(7u);
        ((uint)SetupDataType.Ima).ShouldBe(8u);
        ((uint)SetupDataType.RngSeed).ShouldBe(9u);
        ((uint)SetupDataType.KexecKho).ShouldBe(10u);
        ((uint)SetupDataType.Indirect).ShouldBe(0x8000_0000u);
    }

    [Test]
    public void Loadflags_bits_match_bootparam_h()
    {
        // bootparam.h: LOADED_HIGH (1<<0), KASLR_FLAG (1<<1), QUIET_FLAG (1<<5), KEEP_SEGMENTS (1<<6), CAN_USE_HEAP (1<<7).
        ((byte)LoadFlags.LoadedHigh).ShouldBe((byte)0x01);
        ((byte)LoadFlags.KaslrFlag).ShouldBe((byte)0x02);
        ((byte)LoadFlags.QuietFlag).ShouldBe((byte)0x20);
        ((byte)LoadFlags.KeepSegments).ShouldBe((byte)0x40);
        ((byte)LoadFlags.CanUseHeap).ShouldBe((byte)0x80);
        ((byte)LoadFlags.LoadedHigh).ShouldBe(SetupHeader.LoadedHigh);
        ((byte)LoadFlags.CanUseHeap).ShouldBe(SetupHeader.CanUseHeap);
    }

    [Test]
    public void Sif_flags_match_xen_h()
    {
        // xen/include/public/xen.h SIF_*; the pvh crate's Sif.
        ((uint)StartInfoFlags.Privileged).ShouldBe(1u);
        ((uint)StartInfoFlags.InitDomain).ShouldBe(2u);
        ((uint)StartInfoFlags.MultibootMod).ShouldBe(4u);
        ((uint)StartInfoFlags.ModStartPfn).ShouldBe(8u);
        ((uint)StartInfoFlags.VirtP2M4Tools).ShouldBe(0x10u);
        ((uint)StartInfoFlags.PmMask).ShouldBe(0xFF00u);
    }

    [Test]
    public void Sizes_match_bootparam_rs_asserts()
    {
        // bootparam.rs: size_of::<screen_info>() == 0x40, apm_bios_info 0x14, ist_info 0x10, edid_info 0x80,
        // edd_device_params EDDPARMSIZE (74), edd_info EDDEXTSIZE + EDDPARMSIZE (82), sys_desc_table 0x10, efi_info 0x20.
        Unsafe.SizeOf<ScreenInfo>().ShouldBe(0x40);
        Unsafe.SizeOf<ApmBiosInfo>().ShouldBe(0x14);
        Unsafe.SizeOf<IstInfo>().ShouldBe(0x10);
        Unsafe.SizeOf<EdidInfo>().ShouldBe(0x80);
        Unsafe.SizeOf<EddDeviceParams>().ShouldBe(74);
        Unsafe.SizeOf<EddInfo>().ShouldBe(82);
        Unsafe.SizeOf<SysDescTable>().ShouldBe(0x10);
        Unsafe.SizeOf<EfiInfo>().ShouldBe(0x20);
    }

    [Test]
    public void Each_sub_structure_sits_where_bootparam_h_puts_it_and_ends_where_the_next_field_begins()
    {
        // struct boot_params offsets (bootparam.h comments).
        BootParamsLayout.ScreenInfo.ShouldBe(0x000);
        (BootParamsLayout.ScreenInfo + ScreenInfo.SizeInBytes).ShouldBe(BootParamsLayout.ApmBiosInfo);      // 0x040
        (BootParamsLayout.ApmBiosInfo + ApmBiosInfo.SizeInBytes).ShouldBe(0x054);                             // _pad2[4]
        BootParamsLayout.TbootAddr.ShouldBe(0x058);
        (BootParamsLayout.IstInfo + IstInfo.SizeInBytes).ShouldBe(BootParamsLayout.AcpiRsdpAddr);            // 0x070
        (BootParamsLayout.SysDescTable + SysDescTable.SizeInBytes).ShouldBe(BootParamsLayout.OlpcOfwHeader); // 0x0b0
        (BootParamsLayout.OlpcOfwHeader + 0x10).ShouldBe(BootParamsLayout.ExtRamdiskImage);                  // 0x0c0
        (BootParamsLayout.EdidInfo + EdidInfo.SizeInBytes).ShouldBe(BootParamsLayout.EfiInfo);               // 0x1c0
        (BootParamsLayout.EfiInfo + EfiInfo.SizeInBytes).ShouldBe(BootParamsLayout.AltMemK);                 // 0x1e0
        BootParamsLayout.EddbufEntries.ShouldBe(0x1E9);
        BootParamsLayout.EddMbrSigBufEntries.ShouldBe(0x1EA);
        (BootParamsLayout.EddMbrSigBuffer + 4 * BootParamsLayout.EddMbrSigMax).ShouldBe(BootParamsLayout.E820Table); // 0x2d0
        (BootParamsLayout.Eddbuf + BootParamsLayout.EddMaxNr * EddInfo.SizeInBytes).ShouldBe(0xEEC);        // _pad9[276]
        (0xEEC + 276).ShouldBe(BootParamsLayout.Size);
    }

    [Test]
    public void Screen_info_fields_are_at_screen_info_h_offsets()
    {
        var b = Bytes(new ScreenInfo { ExtMemK = 0x1234, OrigVideoIsVga = 0x23, LfbBase = 0x8000_0000, Capabilities = 0x0000_0002, ExtLfbBase = 0x0000_0001 });
        BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(0x02)).ShouldBe((ushort)0x1234);
        b[0x0F].ShouldBe((byte)0x23); // VIDEO_TYPE_VLFB
        BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(0x18)).ShouldBe(0x8000_0000u);
        BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(0x36)).ShouldBe(2u);
        BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(0x3A)).ShouldBe(1u);
    }

    [Test]
    public void Efi_edd_apm_ist_and_sys_desc_fields_are_at_their_header_offsets()
    {
        var efi = Bytes(new EfiInfo { EfiLoaderSignature = 0x3436_4C45, EfiSystabHi = 7, EfiMemmapHi = 9 });
        BinaryPrimitives.ReadUInt32LittleEndian(efi).ShouldBe(0x3436_4C45u); // "EL64"
        BinaryPrimitives.ReadUInt32LittleEndian(efi.AsSpan(0x18)).ShouldBe(7u);
        BinaryPrimitives.ReadUInt32LittleEndian(efi.AsSpan(0x1C)).ShouldBe(9u);

        var edd = new EddInfo { Device = 0x80, LegacySectorsPerTrack = 63 };
        edd.Params.NumberOfSectors = 0x1_0000_0000;
        edd.Params.Key = 0xBEDD;
        edd.Params.Checksum = 0x5A;
        var eb = Bytes(edd);
        eb[0].ShouldBe((byte)0x80);
        eb[7].ShouldBe((byte)63);
        BinaryPrimitives.ReadUInt64LittleEndian(eb.AsSpan(8 + 0x10)).ShouldBe(0x1_0000_0000UL);
        BinaryPrimitives.ReadUInt16LittleEndian(eb.AsSpan(8 + 0x1E)).ShouldBe((ushort)0xBEDD);
        eb[8 + 0x49].ShouldBe((byte)0x5A);

        var apm = Bytes(new ApmBiosInfo { Offset = 0xDEAD_BEEF, DsegLen = 0x55 });
        BinaryPrimitives.ReadUInt32LittleEndian(apm.AsSpan(4)).ShouldBe(0xDEAD_BEEFu);
        BinaryPrimitives.ReadUInt16LittleEndian(apm.AsSpan(0x12)).ShouldBe((ushort)0x55);
        BinaryPrimitives.ReadUInt32LittleEndian(Bytes(new IstInfo { PerfLevel = 3 }).AsSpan(0x0C)).ShouldBe(3u);
        var sys = new SysDescTable { Length = 14 };
        sys.Table[13] = 0xEE;
        Bytes(sys)[0x0F].ShouldBe((byte)0xEE);
    }

    [Test]
    public void Sub_structures_round_trip_through_a_zero_page()
    {
        var page = new byte[BootParamsLayout.Size];
        var edid = new EdidInfo();
        edid.Dummy[0] = 0x00;
        edid.Dummy[1] = 0xFF; // EDID header 00 FF FF FF FF FF FF 00
        edid.Dummy[127] = 0x42;
        BootParamsLayout.Write(page, BootParamsLayout.EdidInfo, edid);
        BootParamsLayout.Write(page, BootParamsLayout.EfiInfo, new EfiInfo { EfiSystab = 0x7F00_0000 });
        page[0x141].ShouldBe((byte)0xFF);
        page[0x1BF].ShouldBe((byte)0x42);
        BootParamsLayout.Read<EdidInfo>(page, BootParamsLayout.EdidInfo).Dummy[127].ShouldBe((byte)0x42);
        BootParamsLayout.Read<EfiInfo>(page, BootParamsLayout.EfiInfo).EfiSystab.ShouldBe(0x7F00_0000u);
        BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(0x1C4)).ShouldBe(0x7F00_0000u);
    }
}
