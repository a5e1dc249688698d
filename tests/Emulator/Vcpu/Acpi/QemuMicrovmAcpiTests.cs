using System.Buffers.Binary;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.Vcpu.Acpi;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Loader.Symbols;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu.Acpi;

/// <summary>
/// The microvm profile's ACPI tables against QEMU 7.2 itself: the bytes QEMU's hw/i386/acpi-microvm.c builds and qboot
/// installs, as they lie in guest memory when the kernel is entered, kept here as a fixture and read again from a live
/// QEMU when it is installed.
/// </summary>
[TestFixture]
public sealed class QemuMicrovmAcpiTests
{
    /// <summary>
    /// QEMU 7.2 (Debian 1:7.2+dfsg-7+deb12u18) <c>qemu-system-x86_64 -M microvm -accel tcg -m 512M -display none -nodefaults
    /// -serial null -no-reboot -kernel vmlinux -append "console=ttyS0 nokaslr" -gdb tcp:127.0.0.1:12345 -S</c>, then
    /// <c>gdb -batch -ex "target remote 127.0.0.1:12345" -ex "hbreak *0xffffffff8304ee41" -ex continue
    /// -ex 'monitor pmemsave 0 1048576 "low.bin"'</c> (start_kernel of Debian's 6.1 cloud vmlinux): the 0x2E2 bytes at
    /// 0xEFD00 (DSDT, FACP, APIC, XSDT).
    /// </summary>
    private const string OracleTables =
        "44534454500100000239424f434853204258504320202020010000004258504301000000104a115f53425f5b822e46574346085f4849440d" +
        "51454d553030303200085f5354410a0b085f435253110d0a0a470110051005010c79005b8232434f4d31085f4849440c41d00501085f5549" +
        "4401085f5354410a0f085f43525311100a0d4701f803f803000822100079005b82255254435f085f4849440c41d00b00085f43525311100a" +
        "0d470170007000010822000179005b824c064745445f085f4849440d414350493030313300085f5549440d47454400085f435253110e0a0b" +
        "89060003010900000079005b8045524547000c0000a0fe0a045b810b45524547434553454c20141d5f45565409704553454c60a010937b60" +
        "0a02000a0286505752420a805b821950575242085f4849440d504e503043304300085f5549440010105c00085f53355f1207040a05000000" +
        "464143500c0100000502424f4348532042585043202020200100000042585043010000000000000000fd0e00000000000000000000000000" +
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "00041000000800000202a0fe0000000042000000000000000000000000fd0e00000000000000000000000000000000000000000000000000" +
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "0000000000000000000000000000000000000000000800000002a0fe00000000000800000102a0fe0000000041504943520000000183424f" +
        "4348532042585043202020200100000042585043010000000000e0fe010000000008000001000000010c00000000c0fe00000000010c0100" +
        "0000c1fe180000000406ff00000158534454340000000158424f43485320425850432020202001000000425850430100000050fe0e000000" +
        "00005cff0e0000000000";

    /// <summary>The same dump's 36 bytes at 0xF34D0: the RSDP.</summary>
    private const string OracleRsdp = "525344205054522050424f43485320020000000024000000aeff0e000000000021000000";

    private static readonly AcpiTables Tables = QemuMicrovmAcpi.Build();

    /// <summary>Our tables as one image of [0xEFD00, 0xEFD00 + length), the way qboot's blob lies in memory.</summary>
    private static byte[] Blob(int length)
    {
        var blob = new byte[length];
        foreach (var t in Tables.Tables.Where(t => !t.IsRsdp))
            t.Bytes.CopyTo(blob, (int)(t.Address - QemuMicrovmAcpi.TablesAddress));
        return blob;
    }

    [Test]
    public void The_tables_are_the_bytes_qemu_7_2_and_qboot_leave_in_guest_memory()
    {
        var oracle = Convert.FromHexString(OracleTables);
        Tables.Tables.Where(t => !t.IsRsdp).Sum(t => t.Length).ShouldBe(oracle.Length);
        Convert.ToHexString(Blob(oracle.Length)).ShouldBe(Convert.ToHexString(oracle));
        Tables.RsdpAddress.ShouldBe(0xF_34D0UL);
        Convert.ToHexString(Tables.Rsdp.Bytes).ShouldBe(Convert.ToHexString(Convert.FromHexString(OracleRsdp)));
    }

    [Test]
    public void The_tables_are_packed_in_acpi_build_microvms_order_and_chained_from_the_rsdp()
    {
        // acpi_build_microvm: DSDT, FACP, APIC, XSDT, one after the other from the blob's start.
        Tables.Tables.Where(t => !t.IsRsdp).Select(t => (t.Signature, t.Address))
            .ShouldBe([("DSDT", 0xE_FD00UL), ("FACP", 0xE_FE50UL), ("APIC", 0xE_FF5CUL), ("XSDT", 0xE_FFAEUL)]);
        var xsdt = Tables.Find("XSDT")!;
        BinaryPrimitives.ReadUInt64LittleEndian(Tables.Rsdp.Bytes.AsSpan(24)).ShouldBe(xsdt.Address);
        BinaryPrimitives.ReadUInt64LittleEndian(xsdt.Bytes.AsSpan(36)).ShouldBe(Tables.Find("FACP")!.Address);
        BinaryPrimitives.ReadUInt64LittleEndian(xsdt.Bytes.AsSpan(44)).ShouldBe(Tables.Find("APIC")!.Address);
        // build_fadt: both DSDT pointers, FADT revision 5 (268 bytes), HW_REDUCED_ACPI | RESET_REG_SUP.
        var fadt = Tables.Find("FACP")!;
        fadt.Length.ShouldBe(268);
        BinaryPrimitives.ReadUInt32LittleEndian(fadt.Bytes.AsSpan(40)).ShouldBe(0xE_FD00u);
        BinaryPrimitives.ReadUInt64LittleEndian(fadt.Bytes.AsSpan(140)).ShouldBe(0xE_FD00UL);
        BinaryPrimitives.ReadUInt32LittleEndian(fadt.Bytes.AsSpan(112)).ShouldBe((1u << 20) | (1u << 10));
        foreach (var t in Tables.Tables)
            AcpiChecksum.Of(t.IsRsdp ? t.Bytes.AsSpan(0, 20) : t.Bytes).ShouldBe((byte)0, t.Signature);
    }

    [Test]
    public void The_terms_qemus_aml_build_writes_encode_as_in_the_oracles_dsdt()
    {
        // aml_scope("\\"): ScopeOp, PkgLength, the root prefix and NullName; aml_scope("_SB") pads the NameSeg.
        Aml.Scope("\\").ShouldBe(new byte[] { 0x10, 0x03, 0x5C, 0x00 });
        Aml.Scope("_SB_").ShouldBe(new byte[] { 0x10, 0x05, 0x5F, 0x53, 0x42, 0x5F });
        // aml_irq_no_flags(4): the small IRQ descriptor 0x22 with mask bit 4, no information byte.
        AmlResource.IrqNoFlags(4).ShouldBe(new byte[] { 0x22, 0x10, 0x00 });
        AmlResource.IrqNoFlags(8).ShouldBe(new byte[] { 0x22, 0x00, 0x01 });
        Should.Throw<ArgumentOutOfRangeException>(() => AmlResource.IrqNoFlags(16));
        // ACPI 6.5 Table 5.55: the Local APIC NMI structure.
        Madt.LocalApicNmi(0xFF, 0, 1).ShouldBe(new byte[] { 4, 6, 0xFF, 0, 0, 1 });
        // A revision-5 FADT stops before the Hypervisor Vendor Identity, which it then does not carry.
        new Fadt { Header = new SdtHeader("FACP", 5, "BOCHS ", "BXPC    ", 1, "BXPC", 1), HypervisorVendorId = "IGNORED!" }.Build().Length.ShouldBe(268);
    }

    [Test]
    public void The_microvm_profile_writes_them_and_hands_pvh_the_rsdp_and_qboots_buffers_below_them()
    {
        var x86 = VmmProfiles.Microvm.RequireX86();
        x86.Acpi.ShouldNotBeNull().Tables.Select(t => (t.Address, Convert.ToHexString(t.Bytes)))
            .ShouldBe(Tables.Tables.Select(t => (t.Address, Convert.ToHexString(t.Bytes))));
        // qboot sets hvm_start_info.rsdp_paddr (0xF34D0 read at the PVH entry); nothing sets boot_params.acpi_rsdp_addr.
        x86.PvhRsdpAddress.ShouldBe(0xF_34D0UL);
        x86.LinuxRsdpAddress.ShouldBe(0UL);
        x86.SecondIoApic.ShouldBe(0xFEC1_0000u);
        // QEMU 7.2 with 512 MiB and a 22-byte command line: the memmap at 0xEFBD0, the command line at 0xEFC60 (gdbstub).
        QbootPvhBuffers.For(5, 22, x86.Layout.QbootMallocTop).ShouldBe((0xE_FBD0UL, 0xE_FC60UL));
    }

    /// <summary>
    /// The live oracle: QEMU 7.2 <c>-M microvm</c> stopped at the vmlinux's PVH entry (paging off, so gdb reads physical
    /// memory), the tables read back and compared with ours.
    /// </summary>
    [Test]
    [Category("Qemu")]
    [Category("RealKernel")]
    public void A_live_qemu_microvm_leaves_the_same_tables()
    {
        var directory = DebianKernel.Directory();
        var symbols = SystemMapParser.Parse(File.ReadAllText(Path.Combine(directory, "System.map")));
        // arch/x86/platform/pvh/head.S pvh_start_xen runs at its physical address: link address - __START_KERNEL_map.
        var pvhEntry = symbols.AddressOf("pvh_start_xen")!.Value - 0xFFFF_FFFF_8000_0000UL;
        const ulong start = QemuMicrovmAcpi.TablesAddress, end = QemuMicrovmAcpi.RsdpAddress + Rsdp.Size;
        var memory = QemuGdbProbe.ReadAt(QemuMachine.MicrovmAcpi, Path.Combine(directory, "vmlinux"), "console=ttyS0 nokaslr", "512M",
            pvhEntry, start, (int)(end - start), TimeSpan.FromSeconds(120));
        foreach (var t in Tables.Tables)
            Convert.ToHexString(memory.AsSpan((int)(t.Address - start), t.Length)).ShouldBe(Convert.ToHexString(t.Bytes), t.Signature);
    }
}
