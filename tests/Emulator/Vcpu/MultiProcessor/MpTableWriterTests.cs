using System.Buffers.Binary;
using System.Text;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.Vcpu.MultiProcessor;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu.MultiProcessor;

/// <summary>
/// The MP tables of the profiles, field by field against the VMMs' mptable.rs (Firecracker
/// src/vmm/src/arch/x86_64/mptable.rs, Cloud Hypervisor arch/src/x86_64/mptable.rs) and the layouts of Linux's
/// arch/x86/include/asm/mpspec_def.h (mpf_intel, mpc_table, mpc_cpu, mpc_bus, mpc_ioapic, mpc_intsrc, mpc_lintsrc).
/// </summary>
[TestFixture]
public sealed class MpTableWriterTests
{
    private static byte Sum(ReadOnlySpan<byte> bytes)
    {
        byte s = 0;
        foreach (var b in bytes)
            s += b;
        return s;
    }

    [Test]
    public void Firecrackers_floating_pointer_points_at_the_table_right_after_it()
    {
        var mp = VmmProfiles.Firecracker.X86!.MpTable.ShouldNotBeNull();
        mp.Address.ShouldBe(0x9_FC00UL); // layout.rs SYSTEM_MEM_START
        var t = MpTableWriter.Build(mp);
        Encoding.ASCII.GetString(t, 0, 4).ShouldBe("_MP_"); // SMP_MAGIC_IDENT
        BinaryPrimitives.ReadUInt32LittleEndian(t.AsSpan(4)).ShouldBe(0x9_FC10u); // physptr = base + sizeof(mpf_intel)
        t[8].ShouldBe((byte)1); // length
        t[9].ShouldBe((byte)4); // specification
        t.AsSpan(11, 5).ToArray().ShouldAllBe(b => b == 0); // feature1..5: no default configuration
        Sum(t.AsSpan(0, 16)).ShouldBe((byte)0); // mpf_intel_compute_checksum
    }

    [Test]
    public void Firecrackers_header_and_entries_match_its_setup_mptable_for_one_vcpu()
    {
        var t = MpTableWriter.Build(VmmProfiles.Firecracker.X86!.MpTable!);
        var h = t.AsSpan(16);
        Encoding.ASCII.GetString(h[..4]).ShouldBe("PCMP"); // MPC_SIGNATURE
        var length = BinaryPrimitives.ReadUInt16LittleEndian(h[4..]);
        // compute_mp_size(1) - sizeof(mpf_intel): header 44 + cpu 20 + bus 8 + ioapic 8 + 24 intsrc × 8 + 2 lintsrc × 8.
        length.ShouldBe((ushort)(44 + 20 + 8 + 8 + 24 * 8 + 2 * 8));
        t.Length.ShouldBe(16 + length);
        h[6].ShouldBe((byte)4); // MPC_SPEC
        Sum(h[..length]).ShouldBe((byte)0);
        Encoding.ASCII.GetString(h.Slice(8, 8)).ShouldBe("FC      "); // MPC_OEM
        Encoding.ASCII.GetString(h.Slice(16, 12)).ShouldBe("000000000000"); // MPC_PRODUCT_ID
        BinaryPrimitives.ReadUInt32LittleEndian(h[28..]).ShouldBe(0u); // oemptr
        BinaryPrimitives.ReadUInt16LittleEndian(h[32..]).ShouldBe((ushort)0); // oemsize
        // oemcount: mp_num_entries = mpf_intel + 1 cpu + bus + ioapic + IRQ_MAX + 1 intsrc + 2 lintsrc.
        BinaryPrimitives.ReadUInt16LittleEndian(h[34..]).ShouldBe((ushort)(1 + 1 + 1 + 1 + 24 + 2));
        BinaryPrimitives.ReadUInt32LittleEndian(h[36..]).ShouldBe(0xFEE0_0000u); // APIC_DEFAULT_PHYS_BASE

        var cpu = h.Slice(44, 20);
        cpu[..4].ToArray().ShouldBe(new byte[] { 0, 0, 0x14, 3 }); // MP_PROCESSOR, apicid 0, APIC_VERSION, ENABLED|BOOTPROCESSOR
        BinaryPrimitives.ReadUInt32LittleEndian(cpu[4..]).ShouldBe(0x600u); // CPU_STEPPING
        BinaryPrimitives.ReadUInt32LittleEndian(cpu[8..]).ShouldBe(0x201u); // CPU_FEATURE_APIC | CPU_FEATURE_FPU
        var bus = h.Slice(64, 8);
        bus.ToArray().ShouldBe("\u0001\u0000ISA   "u8.ToArray()); // MP_BUS, busid 0, BUS_TYPE_ISA
        var ioapic = h.Slice(72, 8);
        ioapic[..4].ToArray().ShouldBe(new byte[] { 2, 2, 0x14, 1 }); // MP_IOAPIC, ioapicid = num_cpus + 1, APIC_VERSION, MPC_APIC_USABLE
        BinaryPrimitives.ReadUInt32LittleEndian(ioapic[4..]).ShouldBe(0xFEC0_0000u); // IO_APIC_DEFAULT_PHYS_BASE
        for (var i = 0; i < 24; i++)
            h.Slice(80 + i * 8, 8).ToArray().ShouldBe(new byte[] { 3, 0, 0, 0, 0, (byte)i, 2, (byte)i }); // MP_INTSRC mp_INT, srcbus 0, irq i -> ioapic pin i
        h.Slice(80 + 24 * 8, 8).ToArray().ShouldBe(new byte[] { 4, 3, 0, 0, 0, 0, 0, 0 }); // MP_LINTSRC mp_ExtINT -> APIC 0 LINT0
        h.Slice(88 + 24 * 8, 8).ToArray().ShouldBe(new byte[] { 4, 1, 0, 0, 0, 0, 0xFF, 1 }); // mp_NMI -> all APICs LINT1
    }

    [Test]
    public void Cloud_hypervisors_table_has_sixteen_isa_interrupts_and_no_entry_count()
    {
        var mp = VmmProfiles.CloudHypervisor.X86!.MpTable.ShouldNotBeNull();
        mp.Address.ShouldBe(0x9_FC00UL); // MPTABLE_START
        var t = MpTableWriter.Build(mp);
        var h = t.AsSpan(16);
        BinaryPrimitives.ReadUInt16LittleEndian(h[4..]).ShouldBe((ushort)(44 + 20 + 8 + 8 + 16 * 8 + 2 * 8));
        BinaryPrimitives.ReadUInt16LittleEndian(h[34..]).ShouldBe((ushort)0);
        Encoding.ASCII.GetString(h.Slice(8, 8)).ShouldBe("FC      ");
        Sum(h[..BinaryPrimitives.ReadUInt16LittleEndian(h[4..])]).ShouldBe((byte)0);
        h.Slice(80 + 15 * 8, 8).ToArray().ShouldBe(new byte[] { 3, 0, 0, 0, 0, 15, 2, 15 });
        h[80 + 16 * 8].ShouldBe((byte)4);
    }

    [Test]
    public void More_vcpus_add_processor_entries_and_move_the_io_apic_id()
    {
        var t = MpTableWriter.Build(VmmProfiles.Firecracker.X86!.MpTable!, cpus: 2);
        var h = t.AsSpan(16);
        h.Slice(64, 4).ToArray().ShouldBe(new byte[] { 0, 1, 0x14, 1 }); // an AP: enabled, not the BSP
        h[92 + 1].ShouldBe((byte)3); // after two processors and the bus: ioapicid = 2 + 1
        Sum(h[..BinaryPrimitives.ReadUInt16LittleEndian(h[4..])]).ShouldBe((byte)0);
    }
}
