using System.Buffers.Binary;
using System.Text;
using LoaderHarness.Emulator.Devices.Apic;

namespace LoaderHarness.Emulator.Vcpu.MultiProcessor;

/// <summary>
/// Writes an MP floating pointer and configuration table (Intel MultiProcessor Specification 1.4 §4.1–4.3; Linux
/// arch/x86/include/asm/mpspec_def.h) from <see cref="MpTableValues"/>, byte for byte as the VMMs' mptable.rs do:
/// the floating pointer (16 bytes) immediately followed by the header (44 bytes) and the entries, each structure's
/// checksum making its bytes sum to 0.
/// </summary>
public static class MpTableWriter
{
    /// <summary>Floating pointer size (mpf_intel).</summary>
    public const int FloatingPointerSize = 16;

    /// <summary>Configuration table header size (mpc_table).</summary>
    public const int HeaderSize = 44;

    /// <summary>
    /// The table's bytes (floating pointer first) for <paramref name="cpus"/> vCPUs, to be placed at
    /// <see cref="MpTableValues.Address"/>; with <see cref="MpTableValues.ProcessorFromCpuid"/>, <paramref name="cpuid"/> is
    /// the vCPU's CPUID leaf 1 EAX and EDX.
    /// </summary>
    public static byte[] Build(MpTableValues values, int cpus = 1, (uint Eax, uint Edx) cpuid = default)
    {
        if (values.TableAddress is { } at && at != values.Address + FloatingPointerSize)
            throw new ArgumentException($"the configuration table is at 0x{at:x}, not right after the floating pointer: use {nameof(Parts)}", nameof(values));
        var (pointer, _, table) = Parts(values, cpus, cpuid);
        return [.. pointer, .. table];
    }

    /// <summary>
    /// The floating pointer (for <see cref="MpTableValues.Address"/>) and the configuration table with the address it goes
    /// to (<see cref="MpTableValues.TableAddress"/>, by default right after the pointer), as <see cref="Build"/> lays them out.
    /// </summary>
    public static (byte[] FloatingPointer, ulong TableAddress, byte[] Table) Parts(MpTableValues values, int cpus = 1, (uint Eax, uint Edx) cpuid = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cpus, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(cpus, 254); // the VMMs' MAX_SUPPORTED_CPUS
        var ioApicId = values.IoApicId ?? (byte)(cpus + 1);
        var body = new List<byte>();
        var count = values.CountsFloatingPointer ? 1 : 0; // Firecracker counts the floating pointer too
        foreach (var e in values.Entries)
        {
            switch (e.Kind)
            {
                case MpEntryKind.Processors:
                    for (var id = 0; id < cpus; id++)
                    {
                        var cpu = new byte[20];
                        cpu[0] = 0;
                        cpu[1] = (byte)id; // apicid
                        cpu[2] = values.ApicVersion; // apicver
                        cpu[3] = (byte)(1 | (id == 0 ? 2 : 0)); // cpuflag: CPU_ENABLED | CPU_BOOTPROCESSOR
                        // cpufeature: CPU_STEPPING (family 6), or CPUID.1 EAX; featureflag: CPU_FEATURE_APIC | CPU_FEATURE_FPU, or CPUID.1 EDX.
                        BinaryPrimitives.WriteUInt32LittleEndian(cpu.AsSpan(4), values.ProcessorFromCpuid ? cpuid.Eax : 0x600);
                        BinaryPrimitives.WriteUInt32LittleEndian(cpu.AsSpan(8), values.ProcessorFromCpuid ? cpuid.Edx : 0x201);
                        body.AddRange(cpu);
                        count++;
                    }
                    continue;
                case MpEntryKind.Bus:
                    body.Add(1);
                    body.Add(e.SourceBus);
                    body.AddRange(Encoding.ASCII.GetBytes((e.BusType ?? "").PadRight(6)[..6]));
                    break;
                case MpEntryKind.IoApic:
                    var apic = new byte[8];
                    apic[0] = 2;
                    apic[1] = ioApicId;
                    apic[2] = values.IoApicVersion ?? values.ApicVersion;
                    apic[3] = 1; // MPC_APIC_USABLE
                    BinaryPrimitives.WriteUInt32LittleEndian(apic.AsSpan(4), ApicAddresses.IoApicBase);
                    body.AddRange(apic);
                    break;
                default:
                    body.Add(e.TypeCode ?? (byte)e.Kind);
                    body.Add(e.InterruptType);
                    body.Add((byte)e.Flags);
                    body.Add((byte)(e.Flags >> 8));
                    body.Add(e.SourceBus);
                    body.Add(e.SourceIrq);
                    body.Add(e.DestinationApic ?? ioApicId);
                    body.Add(e.DestinationInput);
                    break;
            }
            count++;
        }

        var tableAddress = values.TableAddress ?? values.Address + FloatingPointerSize;
        var pointer = new byte[FloatingPointerSize];
        var mpf = pointer.AsSpan();
        Encoding.ASCII.GetBytes("_MP_").CopyTo(mpf);
        BinaryPrimitives.WriteUInt32LittleEndian(mpf[4..], checked((uint)tableAddress)); // physptr
        mpf[8] = 1; // length in 16-byte paragraphs
        mpf[9] = 4; // specification revision 1.4
        mpf[10] = Checksum(mpf);

        var table = new byte[HeaderSize + body.Count];
        var header = table.AsSpan();
        Encoding.ASCII.GetBytes("PCMP").CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], (ushort)header.Length); // base table length
        header[6] = 4; // spec revision
        Encoding.ASCII.GetBytes(values.OemId.PadRight(8)[..8]).CopyTo(header[8..]);
        Encoding.ASCII.GetBytes(values.ProductId.PadRight(12)[..12]).CopyTo(header[16..]);
        if (values.CountsEntries)
            BinaryPrimitives.WriteUInt16LittleEndian(header[34..], (ushort)count); // oemcount
        BinaryPrimitives.WriteUInt32LittleEndian(header[36..], ApicAddresses.LocalApicBase); // lapic
        body.ToArray().CopyTo(header[HeaderSize..]);
        header[7] = Checksum(header);
        return (pointer, tableAddress, table);
    }

    /// <summary>The byte that makes <paramref name="bytes"/> (with that byte still 0) sum to 0 mod 256.</summary>
    private static byte Checksum(ReadOnlySpan<byte> bytes)
    {
        byte sum = 0;
        foreach (var b in bytes)
            sum += b;
        return (byte)(0 - sum);
    }
}
