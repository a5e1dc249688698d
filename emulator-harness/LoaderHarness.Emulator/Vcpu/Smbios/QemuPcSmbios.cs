using System.Buffers.Binary;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Emulator.Vcpu.Smbios;

/// <summary>
/// The SMBIOS 2.8 tables a QEMU 7.2 <c>-M pc</c> guest finds (one vCPU, no -smbios options): QEMU's structures
/// (hw/smbios/smbios.c smbios_get_tables, defaults from hw/i386/pc_piix.c: "QEMU", "Standard PC (i440FX + PIIX, 1996)",
/// the machine "pc-i440fx-7.2") behind SeaBIOS 1.16.2's own type 0 (src/fw/biostables.c smbios_romfile_setup adds it
/// when QEMU gives none), copied by SeaBIOS into the F-segment below its MP table (malloc_fseg, 16-aligned, downwards)
/// with their 31-byte entry point below them. A live guest reads the same bytes (tests/Emulator/Vcpu/Smbios).
/// </summary>
public static class QemuPcSmbios
{
    private const ulong FourGiB = 1UL << 32;

    /// <summary>hw/smbios/smbios.c MAX_DIMM_SZ: QEMU describes RAM as DIMMs of at most 16 GiB.</summary>
    private const ulong MaxDimm = 16UL << 30;

    private const string Manufacturer = "QEMU", Machine = "pc-i440fx-7.2";

    /// <summary>The tables for a guest with <paramref name="memory"/>'s RAM and a vCPU whose CPUID leaf 1 returns <paramref name="cpuid"/>.</summary>
    public static SmbiosTables For(GuestMemory memory, (uint Eax, uint Edx) cpuid)
    {
        var below = memory.Regions.Where(r => r.Start < FourGiB).Sum(r => (decimal)(Math.Min(r.End, FourGiB) - r.Start));
        var above = memory.Regions.Where(r => r.End > FourGiB).Sum(r => (decimal)(r.End - Math.Max(r.Start, FourGiB)));
        return Build((ulong)below, (ulong)above, cpuid, Acpi.QemuPcAcpi.MpFloatingPointer);
    }

    /// <summary>The tables for <paramref name="below"/> bytes of RAM under 4 GiB and <paramref name="above"/> over it, placed below <paramref name="fsegTop"/>.</summary>
    public static SmbiosTables Build(ulong below, ulong above, (uint Eax, uint Edx) cpuid, ulong fsegTop)
    {
        var structures = Structures(new SmbiosTables(0, 0, (2, 8, 0)), below, above, cpuid);
        // SeaBIOS copy_smbios / smbios_romfile_setup: the structures first, then their entry point, each from malloc_fseg.
        var table = (fsegTop - (ulong)structures.TableLength) & ~15UL;
        var entry = (table - SmbiosTables.EntryPoint32Length) & ~15UL;
        return Structures(new SmbiosTables(entry, table, (2, 8, 0)), below, above, cpuid);
    }

    private static SmbiosTables Structures(SmbiosTables t, ulong below, ulong above, (uint Eax, uint Edx) cpuid)
    {
        var ram = below + above;
        var dimms = (int)((ram + MaxDimm - 1) / MaxDimm);
        // Type 0 (§7.1), SeaBIOS's smbios_new_type_0: vendor 1, version 2, start segment 0xE800, release date 3, ROM size
        // 0 (64 KiB), characteristics bit 3 ("not supported"), extension byte 2 bit 2 (enable targeted content
        // distribution), system BIOS release 0.0 and no embedded controller (0xFF 0xFF).
        Span<byte> type0 = [1, 2, 0x00, 0xE8, 3, 0, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0x04, 0, 0, 0xFF, 0xFF];
        t.Add(0, 0x0000, type0, "SeaBIOS", "1.16.2-debian-1.16.2-1", "04/01/2014");
        // Type 1 (§7.2), smbios_build_type_1_table: manufacturer, product, version, the nil UUID (no -uuid), wake-up type
        // 6 (power switch). QEMU's handles are the type times 0x100 plus the instance (T0_BASE … T127_BASE).
        Span<byte> type1 = stackalloc byte[23];
        (type1[0], type1[1], type1[2]) = (1, 2, 3);
        type1[20] = 0x06;
        t.Add(1, 0x0100, type1, Manufacturer, "Standard PC (i440FX + PIIX, 1996)", Machine);
        // Type 3 (§7.4), smbios_build_type_3_table: manufacturer, type 1 (other), version; boot-up, power-supply and
        // thermal states 3 (safe), security status 2 (unknown).
        Span<byte> type3 = [1, 0x01, 2, 0, 0, 0x03, 0x03, 0x03, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        t.Add(3, 0x0300, type3, Manufacturer, Machine);
        // Type 4 (§7.5), smbios_build_type_4_table: socket "CPU 0", central processor (3), family "other" (1),
        // the vCPU's CPUID leaf 1 EAX and EDX as its ID, version string, 2000 MHz maximum and current speed, status 0x41
        // (populated, enabled), upgrade 1 (other), no cache handles (0xFFFF), one core enabled with one thread,
        // characteristics 0x02 (unknown), family 2 0x01.
        Span<byte> type4 = stackalloc byte[38];
        (type4[0], type4[1], type4[2], type4[3]) = (1, 0x03, 0x01, 2);
        BinaryPrimitives.WriteUInt32LittleEndian(type4[4..], cpuid.Eax);
        BinaryPrimitives.WriteUInt32LittleEndian(type4[8..], cpuid.Edx);
        type4[12] = 3;
        BinaryPrimitives.WriteUInt16LittleEndian(type4[16..], 2000);
        BinaryPrimitives.WriteUInt16LittleEndian(type4[18..], 2000);
        (type4[20], type4[21]) = (0x41, 0x01);
        type4[22..28].Fill(0xFF);
        (type4[31], type4[32], type4[33]) = (1, 1, 1);
        type4[34] = 0x02;
        type4[36] = 0x01;
        t.Add(4, 0x0400, type4, "CPU 0", Manufacturer, Machine);
        // Type 16 (§7.17), smbios_build_type_16_table: location other (1), use system memory (3), multi-bit ECC (6),
        // the RAM in KiB as maximum capacity, no error information (0xFFFE), one device per DIMM.
        Span<byte> type16 = stackalloc byte[19];
        (type16[0], type16[1], type16[2]) = (0x01, 0x03, 0x06);
        BinaryPrimitives.WriteUInt32LittleEndian(type16[3..], (uint)Math.Min(ram >> 10, 0x8000_0000UL));
        BinaryPrimitives.WriteUInt16LittleEndian(type16[7..], 0xFFFE);
        BinaryPrimitives.WriteUInt16LittleEndian(type16[9..], (ushort)dimms);
        t.Add(16, 0x1000, type16);
        // Type 17 (§7.18) per DIMM, smbios_build_type_17_table: array 0x1000, no error information, unknown widths,
        // the size in MiB, form factor DIMM (9), locator "DIMM n", type RAM (7), detail "other" (2), manufacturer "QEMU".
        var left = ram;
        Span<byte> type17 = stackalloc byte[36];
        for (var i = 0; i < dimms; i++)
        {
            var size = Math.Min(left, MaxDimm);
            left -= size;
            type17.Clear();
            BinaryPrimitives.WriteUInt16LittleEndian(type17, 0x1000);
            BinaryPrimitives.WriteUInt16LittleEndian(type17[2..], 0xFFFE);
            BinaryPrimitives.WriteUInt32LittleEndian(type17[4..], 0xFFFF_FFFF);
            BinaryPrimitives.WriteUInt16LittleEndian(type17[8..], (ushort)((size + (1UL << 20) - 1) >> 20));
            (type17[10], type17[12], type17[14]) = (0x09, 1, 0x07);
            type17[15] = 0x02;
            type17[19] = 2;
            t.Add(17, (ushort)(0x1100 + i), type17, $"DIMM {i}", Manufacturer);
        }
        // Type 19 (§7.20) per RAM range, smbios_build_type_19_table: start and end in KiB (inclusive), array 0x1000,
        // partition width 1; below 4 GiB first, then the RAM above it (hw/i386/pc.c: from 4 GiB).
        var ranges = above > 0 ? new[] { (0UL, below), (FourGiB, above) } : [(0UL, below)];
        Span<byte> type19 = stackalloc byte[27];
        for (var i = 0; i < ranges.Length; i++)
        {
            var (start, length) = ranges[i];
            type19.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(type19, (uint)(start >> 10));
            BinaryPrimitives.WriteUInt32LittleEndian(type19[4..], (uint)(((start + length) >> 10) - 1));
            BinaryPrimitives.WriteUInt16LittleEndian(type19[8..], 0x1000);
            type19[10] = 1;
            t.Add(19, (ushort)(0x1300 + i), type19);
        }
        // Type 32 (§7.33): no errors detected. Type 127: end of table.
        t.Add(32, 0x2000, stackalloc byte[7]);
        return t.Add(127, 0x7F00, []);
    }
}
