using System.Buffers.Binary;
using System.Text;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.Vcpu.MultiProcessor;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu.MultiProcessor;

/// <summary>
/// The crosvm profile's MP table against crosvm's x86_64/src/mptable.rs setup_mptable (commit f1e797a6) with one vCPU and
/// no PCI devices, and Linux's arch/x86/include/asm/mpspec_def.h layouts.
/// </summary>
[TestFixture]
public sealed class CrosvmMpTableTests
{
    private static readonly MpTableValues Values = VmmProfiles.Crosvm.RequireX86().MpTable.ShouldNotBeNull();

    private static byte Sum(ReadOnlySpan<byte> bytes)
    {
        byte s = 0;
        foreach (var b in bytes)
            s += b;
        return s;
    }

    [Test]
    public void The_floating_pointer_ends_low_memory_and_points_down_at_the_table()
    {
        var (pointer, tableAddress, _) = MpTableWriter.Parts(Values);
        Values.Address.ShouldBe(0x9_FFF0UL); // MP_FLOATING_POINTER_ADDR = 0x400 * 640 - size_of::<mpf_intel>()
        tableAddress.ShouldBe(0x9_E800UL); // MPTABLE_RANGE.start = 0x400 * 634
        Encoding.ASCII.GetString(pointer, 0, 4).ShouldBe("_MP_"); // SMP_MAGIC_IDENT
        BinaryPrimitives.ReadUInt32LittleEndian(pointer.AsSpan(4)).ShouldBe(0x9_E800u); // physptr
        pointer[8].ShouldBe((byte)1); // length
        pointer[9].ShouldBe((byte)4); // specification
        Sum(pointer).ShouldBe((byte)0); // mpf_intel_compute_checksum
        // Build lays the pieces out contiguously, which crosvm's are not.
        Should.Throw<ArgumentException>(() => MpTableWriter.Build(Values));
    }

    [Test]
    public void The_header_and_entries_are_setup_mptables_for_one_vcpu_and_no_pci_devices()
    {
        var (_, _, t) = MpTableWriter.Parts(Values);
        Sum(t).ShouldBe((byte)0); // mpc_table.checksum
        Encoding.ASCII.GetString(t, 0, 4).ShouldBe("PCMP"); // MPC_SIGNATURE
        BinaryPrimitives.ReadUInt16LittleEndian(t.AsSpan(4)).ShouldBe((ushort)t.Length);
        t[6].ShouldBe((byte)4); // MPC_SPEC
        Encoding.ASCII.GetString(t, 8, 8).ShouldBe("CROSVM  "); // MPC_OEM
        Encoding.ASCII.GetString(t, 16, 12).ShouldBe("000000000000"); // MPC_PRODUCT_ID
        BinaryPrimitives.ReadUInt16LittleEndian(t.AsSpan(34)).ShouldBe((ushort)0); // oemcount: Default
        BinaryPrimitives.ReadUInt32LittleEndian(t.AsSpan(36)).ShouldBe(0xFEE0_0000u); // APIC_DEFAULT_PHYS_BASE

        var e = t.AsSpan(44);
        // mpc_cpu: MP_PROCESSOR, apicid 0, APIC_VERSION 0x14, CPU_ENABLED | CPU_BOOTPROCESSOR, CPU_STEPPING, APIC | FPU.
        e[..4].ToArray().ShouldBe(new byte[] { 0, 0, 0x14, 3 });
        BinaryPrimitives.ReadUInt32LittleEndian(e[4..]).ShouldBe(0x600u);
        BinaryPrimitives.ReadUInt32LittleEndian(e[8..]).ShouldBe(0x201u);
        e = e[20..];
        // mpc_ioapic: ioapicid = num_vcpus + 1, usable, IO_APIC_DEFAULT_PHYS_BASE; before the buses.
        e[..8].ToArray().ShouldBe(new byte[] { 2, 2, 0x14, 1, 0x00, 0x00, 0xC0, 0xFE });
        e = e[8..];
        // mpc_bus: PCI bus 0 (for pci_bus_id in 0..isa_bus_id), then the ISA bus isa_bus_id = 1.
        e[..8].ToArray().ShouldBe(new byte[] { 1, 0, (byte)'P', (byte)'C', (byte)'I', 0x20, 0x20, 0x20 });
        e[8..16].ToArray().ShouldBe(new byte[] { 1, 1, (byte)'I', (byte)'S', (byte)'A', 0x20, 0x20, 0x20 });
        e = e[16..];
        // The first interrupt entry: type MP_LINTSRC, mp_INT, MP_IRQDIR_DEFAULT, srcbus 1, IRQ 0, dstapic 0, dstirq 0.
        e[..8].ToArray().ShouldBe(new byte[] { 4, 0, 0, 0, 1, 0, 0, 0 });
        e = e[8..];
        // mpc_intsrc for (0..X86_64_SCI_IRQ).chain(once(RTC_IRQ)), the SCI (flags MP_IRQDIR_HIGH | MP_LEVEL_TRIGGER = 0xD),
        // then X86_64_IRQ_BASE..16: (IRQ, flags) in that order, each to the I/O APIC's same-numbered input.
        (byte Irq, byte Flags)[] expected = [(0, 0), (1, 0), (2, 0), (3, 0), (4, 0), (8, 0), (5, 0xD), (9, 0), (10, 0), (11, 0), (12, 0), (13, 0), (14, 0), (15, 0)];
        foreach (var (irq, flags) in expected)
        {
            e[..8].ToArray().ShouldBe(new byte[] { 3, 0, flags, 0, 1, irq, 2, irq }, $"IRQ {irq}");
            e = e[8..];
        }
        // mpc_lintsrc: ExtINT to LINT0 of APIC 0, NMI to LINT1 of 0xFF, both from the ISA bus.
        e[..8].ToArray().ShouldBe(new byte[] { 4, 3, 0, 0, 1, 0, 0, 0 });
        e[8..16].ToArray().ShouldBe(new byte[] { 4, 1, 0, 0, 1, 0, 0xFF, 1 });
        e.Length.ShouldBe(16);
    }
}
