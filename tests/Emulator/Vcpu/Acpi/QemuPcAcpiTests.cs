using System.Buffers.Binary;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.Vcpu.Acpi;
using LoaderHarness.Emulator.Vcpu.MultiProcessor;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu.Acpi;

/// <summary>
/// The qemu profile's ACPI tables and MP table against QEMU 7.2 <c>-M pc</c> with SeaBIOS 1.16.2 itself: the bytes QEMU's
/// hw/i386/acpi-build.c builds and SeaBIOS installs (and SeaBIOS's src/fw/mptable.c writes), kept here as a fixture from a
/// live guest and read again from a live QEMU when it is installed.
/// <para>
/// Every table is the live guest's byte for byte and where the live guest has it, the DSDT (0x18F1 bytes) included, so the
/// tables packed after it (FACP, APIC, HPET, WAET, RSDT) and the RSDT's entries and the RSDP's RSDT address are QEMU's too.
/// </para>
/// </summary>
[TestFixture]
public sealed class QemuPcAcpiTests
{
    // QEMU 7.2 (Debian 1:7.2+dfsg-7+deb12u18), SeaBIOS 1.16.2-1: qemu-system-x86_64 -M pc -accel tcg -m 512M -display none
    // -nodefaults -serial file:… -no-reboot -kernel vmlinuz -append "console=ttyS0 nokaslr", then the monitor's
    // pmemsave of 0x1FFE0000 (128 KiB) and of the first MiB once the kernel was running. The kernel listed:
    // RSDP 0xF59D0 (v00), RSDT 0x1FFE1A7D, FACP 0x1FFE1931, DSDT 0x1FFE0040 (0x18F1 bytes), FACS 0x1FFE0000, APIC 0x1FFE19A5,
    // HPET 0x1FFE1A1D, WAET 0x1FFE1A55.
    private const string OracleFacp =
        "464143507400000001c1424f4348532042585043202020200100000042585043010000000000fe1f4000fe1f01000900b2000000f1f0000000" +
        "0600000000000004060000000000000000000008060000e0af0000000000000402000404000000ff0fff0f000000000000000032000000a5800000";
    private const string OracleApic =
        "4150494378000000018a424f4348532042585043202020200100000042585043010000000000e0fe010000000008000001000000010c0000" +
        "0000c0fe00000000020a0000020000000000020a0005050000000d00020a0009090000000d00020a000a0a0000000d00020a000b0b000000" +
        "0d000406ff000001";
    private const string OracleHpet =
        "485045543800000001b4424f43485320425850432020202001000000425850430100000001a28680000000000000d0fe0000000000000000";
    private const string OracleWaet = "57414554280000000139424f43485320425850432020202001000000425850430100000002000000";
    private const string OracleRsdt =
        "52534454340000000101424f4348532042585043202020200100000042585043010000003119fe1fa519fe1f1d1afe1f551afe1f";
    private const string OracleRsdp = "52534420505452209e424f43485320007d1afe1f";
    /// <summary>The MP floating pointer at 0xF5BA0 and the configuration table at 0xF5BB0, with TCG's qemu64 CPUID leaf 1.</summary>
    private const string OracleMpTable =
        "5f4d505fb05b0f000104860000000000" +
        "50434d50c8000466424f434853435055302e3120202020202020202000000000000012000000e0fe0000000000001403b10f0600fdfb8b07" +
        "000000000000000001005043492020200101495341202020020011010000c0fe03000100000400090300000001000002030000000101000103" +
        "00000001030003030000000104000403000000010600060300000001070007030000000108000803000000010c000c03000000010d000d0300" +
        "0000010e000e03000000010f000f0403000001000000040100000100ff01";

    private const ulong Blob = 0x1FFE_0000;
    private static readonly AcpiTables Tables = QemuPcAcpi.For(new GuestMemory([new GuestRegion(0, 512UL << 20)]));

    private static AcpiTable Table(string signature) => Tables.Find(signature).ShouldNotBeNull(signature);

    [Test]
    public void The_facs_apic_hpet_and_waet_tables_are_qemus_bytes()
    {
        Table("APIC").Bytes.ShouldBe(Convert.FromHexString(OracleApic));
        Table("HPET").Bytes.ShouldBe(Convert.FromHexString(OracleHpet));
        Table("WAET").Bytes.ShouldBe(Convert.FromHexString(OracleWaet));
        // build_facs: "FACS", length 64, everything else zero.
        var facs = Table("FACS");
        facs.Address.ShouldBe(Blob);
        facs.Bytes.ShouldBe([.. "FACS"u8, 64, 0, 0, 0, .. new byte[56]]);
    }

    [Test]
    public void The_fadt_is_qemus_piix4_fadt_byte_for_byte_as_the_facs_and_dsdt_keep_their_addresses()
    {
        Table("FACP").Bytes.ShouldBe(Convert.FromHexString(OracleFacp));
        var fadt = Table("FACP").Bytes;
        // acpi_get_pm_info / build_fadt, ACPI 1.0b Table 5-6 offsets: revision 1, 116 bytes, FIRMWARE_CTRL and DSDT at the
        // blob's start and 0x40 on, SCI_INT 9, SMI_CMD 0xB2 (ACPI_ENABLE 0xF1, ACPI_DISABLE 0xF0), PM1a_EVT_BLK 0x600,
        // PM1a_CNT_BLK 0x604, PM_TMR_BLK 0x608, GPE0_BLK 0xAFE0, no reset register (an ACPI 1.0 FADT has none).
        fadt[8].ShouldBe((byte)1);
        fadt.Length.ShouldBe(116);
        BinaryPrimitives.ReadUInt32LittleEndian(fadt.AsSpan(36)).ShouldBe((uint)Blob);
        BinaryPrimitives.ReadUInt32LittleEndian(fadt.AsSpan(40)).ShouldBe((uint)Blob + 0x40);
        BinaryPrimitives.ReadUInt16LittleEndian(fadt.AsSpan(46)).ShouldBe((ushort)9);
        BinaryPrimitives.ReadUInt32LittleEndian(fadt.AsSpan(48)).ShouldBe(0xB2u);
        (fadt[52], fadt[53]).ShouldBe(((byte)0xF1, (byte)0xF0));
        BinaryPrimitives.ReadUInt32LittleEndian(fadt.AsSpan(56)).ShouldBe(0x600u);
        BinaryPrimitives.ReadUInt32LittleEndian(fadt.AsSpan(64)).ShouldBe(0x604u);
        BinaryPrimitives.ReadUInt32LittleEndian(fadt.AsSpan(76)).ShouldBe(0x608u);
        BinaryPrimitives.ReadUInt32LittleEndian(fadt.AsSpan(80)).ShouldBe(0xAFE0u);
        Table("DSDT").Address.ShouldBe(Blob + 0x40);
    }

    [Test]
    public void The_rsdt_and_rsdp_are_qemus_with_every_table_where_the_live_guest_has_it()
    {
        var dsdt = Table("DSDT");
        // QEMU's DSDT is 0x18F1 bytes, and so is ours: nothing after it moves.
        dsdt.Length.ShouldBe(0x18F1);
        // acpi_build's order: FACS, DSDT, FACP, APIC, HPET, WAET, RSDT, each right after the one before.
        Tables.Tables.Where(t => !t.IsRsdp).OrderBy(t => t.Address).Select(t => t.Signature)
            .ShouldBe(["FACS", "DSDT", "FACP", "APIC", "HPET", "WAET", "RSDT"]);
        // The live guest's addresses, as its kernel listed them.
        Table("DSDT").Address.ShouldBe(0x1FFE_0040UL);
        Table("FACP").Address.ShouldBe(0x1FFE_1931UL);
        Table("APIC").Address.ShouldBe(0x1FFE_19A5UL);
        Table("HPET").Address.ShouldBe(0x1FFE_1A1DUL);
        Table("WAET").Address.ShouldBe(0x1FFE_1A55UL);
        Table("RSDT").Address.ShouldBe(0x1FFE_1A7DUL);
        Table("RSDT").Bytes.ShouldBe(Convert.FromHexString(OracleRsdt));
        Tables.RsdpAddress.ShouldBe(0xF_59D0UL);
        Tables.Rsdp.Bytes.ShouldBe(Convert.FromHexString(OracleRsdp));
    }

    [Test]
    public void The_dsdts_objects_are_qemus_and_shutdown_has_its_s5_package()
    {
        var aml = Table("DSDT").Bytes;
        SdtHeader.Parse(aml).ShouldBe(new SdtHeader("DSDT", 1, "BOCHS ", "BXPC    ", 1, "BXPC", 1));
        AcpiChecksum.IsValid(aml).ShouldBeTrue();
        // build_dsdt: Name(_S5_, Package(4) {Zero, Zero, Zero, Zero}): SLP_TYP 0 is PIIX4's soft-off.
        Contains(aml, [0x08, .. "_S5_"u8, 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00]).ShouldBeTrue();
        // Scope(\_SB) { Device(PCI0) { Name(_HID, EisaId("PNP0A03")) … } } as in QEMU's DSDT at offset 0x6F.
        Contains(aml, Convert.FromHexString("5b821b50434930085f4849440c41d00a03085f41445200085f55494400")).ShouldBeTrue();
        // 512 MiB: the PCI hole from 0x20000000 to 0xFEBFFFFF, the 64-bit window 4 GiB + 2 GiB.
        var crs = QemuPcDsdt.Objects(0x2000_0000, (1UL << 32, (3UL << 31) - 1))["_CRS"];
        Contains(aml, crs).ShouldBeTrue();
    }

    [TestCase(512UL << 20, "dsdt-512M.aml")]
    [TestCase(5UL << 30, "dsdt-5G.aml")]
    public void The_dsdt_is_qemus_byte_for_byte(ulong size, string oracle)
    {
        // The DSDT a live QEMU 7.2 -M pc guest had with that much RAM (the same machine as above, 0x18F1 bytes; the live
        // test below reads it again and checks these files).
        var live = File.ReadAllBytes(Path.Combine(DebianKernel.RepositoryRoot(), "tests", "Emulator", "Vcpu", "Acpi", "QemuPcOracle", oracle));
        var ours = QemuPcAcpi.For(VmmProfiles.Qemu.CreateMemory(size)).Find("DSDT")!.Bytes;
        var first = ours.AsSpan().CommonPrefixLength(live);
        TestContext.Out.WriteLine($"first difference at 0x{first:X}: ours {Convert.ToHexString(ours.AsSpan(Math.Min(first, ours.Length)).ToArray().Take(48).ToArray())}");
        TestContext.Out.WriteLine($"                      live {Convert.ToHexString(live.AsSpan(Math.Min(first, live.Length)).ToArray().Take(48).ToArray())}");
        first.ShouldBe(live.Length);
        ours.Length.ShouldBe(0x18F1);
    }

    [Test]
    public void The_mp_table_is_seabioss_with_qemus_cpuid()
    {
        var mp = VmmProfiles.Qemu.RequireX86().MpTable.ShouldNotBeNull();
        mp.Address.ShouldBe(0xF_5BA0UL);
        Convert.ToHexString(MpTableWriter.Build(mp, cpuid: (0x0006_0FB1, 0x078B_FBFD)))
            .ShouldBe(Convert.ToHexString(Convert.FromHexString(OracleMpTable)));
    }

    [Test]
    public void The_rsdp_moves_down_0x20_when_ram_above_4_gib_adds_an_smbios_structure()
    {
        // Live guests: 0xF59D0 with 128 MiB to 3 GiB, 0xF59B0 with 4, 5 and 8 GiB (QEMU's SMBIOS grows from 388 to 421 bytes).
        QemuPcAcpi.Rsdp(VmmProfiles.Qemu.CreateMemory(512UL << 20)).ShouldBe(0xF_59D0UL);
        QemuPcAcpi.Rsdp(VmmProfiles.Qemu.CreateMemory(3UL << 30)).ShouldBe(0xF_59D0UL);
        QemuPcAcpi.Rsdp(VmmProfiles.Qemu.CreateMemory(4UL << 30)).ShouldBe(0xF_59B0UL);
        QemuPcAcpi.For(VmmProfiles.Qemu.CreateMemory(5UL << 30)).RsdpAddress.ShouldBe(0xF_59B0UL);
        QemuPcAcpi.For(VmmProfiles.Qemu.CreateMemory(5UL << 30)).Find("FACS")!.Address.ShouldBe(0xBFFE_0000UL);
    }

    [Test]
    public void The_tables_follow_the_ram_below_4_gib()
    {
        var tables = QemuPcAcpi.For(new GuestMemory([new GuestRegion(0, 256UL << 20)]));
        // SeaBIOS's high zone: the top 128 KiB of the RAM below 4 GiB (QemuPcMemoryMap's reserved range).
        tables.Find("FACS")!.Address.ShouldBe((256UL << 20) - 0x2_0000);
        VmmProfiles.Qemu.RequireX86().AcpiFor(new GuestMemory([new GuestRegion(0, 256UL << 20)]))!.RsdpAddress.ShouldBe(0xF_59D0UL);
        foreach (var t in tables.Tables.Where(t => !t.IsRsdp && t.Signature != "FACS"))
            AcpiChecksum.IsValid(t.Bytes).ShouldBeTrue(t.Signature);
        AcpiChecksum.IsValid(tables.Rsdp.Bytes).ShouldBeTrue();
    }

    /// <summary>
    /// The live oracle: QEMU 7.2 <c>-M pc</c> stopped where linuxboot_dma.bin enters the bzImage's 32-bit code (0x100000,
    /// paging off), the F-segment and SeaBIOS's high zone read back and compared with ours.
    /// </summary>
    [TestCase("512M", 512UL << 20)]
    [TestCase("5G", 5UL << 30)]
    [Category("Qemu")]
    [Category("RealKernel")]
    public void A_live_qemu_pc_leaves_the_same_tables_at_the_same_addresses(string memory, ulong size)
    {
        var ours = QemuPcAcpi.For(VmmProfiles.Qemu.CreateMemory(size));
        var blob = ours.Find("FACS")!.Address;
        var kernel = Path.Combine(DebianKernel.Directory(), "vmlinuz");
        var timeout = TimeSpan.FromSeconds(120);
        var high = QemuGdbProbe.ReadAt(QemuMachine.Pc, kernel, "console=ttyS0", memory, 0x10_0000, blob, 0x2000, timeout);
        var low = QemuGdbProbe.ReadAt(QemuMachine.Pc, kernel, "console=ttyS0", memory, 0x10_0000, 0xF_0000, 0x1_0000, timeout);
        // The RSDP where SeaBIOS put it, found as the kernel finds it: "RSD PTR " on a 16-byte boundary.
        var at = Enumerable.Range(0, 0x1_0000 / 16).Select(i => i * 16).First(o => low.AsSpan(o, 8).SequenceEqual("RSD PTR "u8));
        ((ulong)at + 0xF_0000).ShouldBe(ours.RsdpAddress);
        var rsdp = low.AsSpan(at, Rsdp.Revision0Size).ToArray();
        var rsdtAddress = BinaryPrimitives.ReadUInt32LittleEndian(rsdp.AsSpan(16));
        byte[] At(ulong address) => high.AsSpan((int)(address - blob), (int)BinaryPrimitives.ReadUInt32LittleEndian(high.AsSpan((int)(address - blob) + 4))).ToArray();
        var rsdt = At(rsdtAddress);
        var live = new Dictionary<string, byte[]> { ["FACS"] = At(blob) };
        for (var i = 36; i < rsdt.Length; i += 4)
        {
            var table = At(BinaryPrimitives.ReadUInt32LittleEndian(rsdt.AsSpan(i)));
            live[SdtHeader.Parse(table).Signature] = table;
        }
        live["DSDT"] = At(BinaryPrimitives.ReadUInt32LittleEndian(live["FACP"].AsSpan(40)));
        live.Keys.Order().ShouldBe(["APIC", "DSDT", "FACP", "FACS", "HPET", "WAET"]);
        foreach (var signature in (string[])["FACS", "DSDT", "FACP", "APIC", "HPET", "WAET"])
            Convert.ToHexString(live[signature]).ShouldBe(Convert.ToHexString(ours.Find(signature)!.Bytes), signature);
        // Every table where the live guest has it: the RSDT and its entries, the FADT's FACS and DSDT pointers, the RSDP.
        Convert.ToHexString(rsdt).ShouldBe(Convert.ToHexString(ours.Find("RSDT")!.Bytes));
        ((ulong)rsdtAddress).ShouldBe(ours.Find("RSDT")!.Address);
        Convert.ToHexString(rsdp).ShouldBe(Convert.ToHexString(ours.Rsdp.Bytes));
        for (var i = 36; i < rsdt.Length; i += 4)
        {
            var address = BinaryPrimitives.ReadUInt32LittleEndian(rsdt.AsSpan(i));
            ours.Find(SdtHeader.Parse(At(address)).Signature)!.Address.ShouldBe(address);
        }
        ours.Find("DSDT")!.Address.ShouldBe(BinaryPrimitives.ReadUInt32LittleEndian(live["FACP"].AsSpan(40)));
        // The PCI holes: from the end of the RAM below 4 GiB, and 2 GiB from the GiB above the RAM above 4 GiB.
        var (low32, hole64) = size == 5UL << 30 ? (0xC000_0000u, 6UL << 30) : (0x2000_0000u, 4UL << 30);
        foreach (var (name, bytes) in QemuPcDsdt.Objects(low32, (hole64, hole64 + (2UL << 30) - 1)))
            Contains(live["DSDT"], bytes).ShouldBeTrue($"{name} is not in QEMU's DSDT");
        // The offline oracle for the DSDT is this guest's DSDT.
        live["DSDT"].ShouldBe(File.ReadAllBytes(Path.Combine(DebianKernel.RepositoryRoot(), "tests", "Emulator", "Vcpu", "Acpi", "QemuPcOracle",
            size == 5UL << 30 ? "dsdt-5G.aml" : "dsdt-512M.aml")));
        Contains(ours.Find("DSDT")!.Bytes, QemuPcDsdt.Objects(low32, (hole64, hole64 + (2UL << 30) - 1))["_CRS"]).ShouldBeTrue();
        var mp = VmmProfiles.Qemu.RequireX86().MpTable.ShouldNotBeNull();
        var (eax, edx) = (BinaryPrimitives.ReadUInt32LittleEndian(low.AsSpan(0x5BB0 + 44 + 4)), BinaryPrimitives.ReadUInt32LittleEndian(low.AsSpan(0x5BB0 + 44 + 8)));
        var mpBytes = MpTableWriter.Build(mp, cpuid: (eax, edx));
        Convert.ToHexString(low.AsSpan((int)(mp.Address - 0xF_0000), mpBytes.Length)).ShouldBe(Convert.ToHexString(mpBytes));
    }

    private static bool Contains(ReadOnlySpan<byte> haystack, ReadOnlySpan<byte> needle) => haystack.IndexOf(needle) >= 0;
}
