using System.Buffers.Binary;
using System.Text;

namespace LoaderHarness.Emulator.Vcpu.Smbios;

/// <summary>
/// SMBIOS tables as a VMM or its firmware writes them into guest memory (DMTF DSP0134 3.2.0): an entry point at
/// <see cref="Address"/> — the 64-bit one ("_SM3_", §5.2.2) for version 3, the 32-bit one ("_SM_" with its "_DMI_"
/// intermediate part, §5.2.1) for version 2 — and the structure table at <see cref="TableAddress"/>, each structure its
/// formatted section (type, length, handle, fields, §6.1.2) and its string set (§6.1.3: NUL-terminated strings and
/// one more NUL, or two NULs when it has none). Linux finds the entry point by scanning 0xF0000–0xFFFFF on 16-byte
/// boundaries (drivers/firmware/dmi_scan.c dmi_scan_machine) and prints "SMBIOS 3.2.0 present." or "SMBIOS 2.8 present."
/// </summary>
public sealed class SmbiosTables(ulong address, ulong tableAddress, (byte Major, byte Minor, byte DocRev) version)
{
    /// <summary>The 64-bit entry point's length (§5.2.2 table 2).</summary>
    public const int EntryPoint64Length = 0x18;

    /// <summary>The 32-bit entry point's length (§5.2.1 table 1).</summary>
    public const int EntryPoint32Length = 0x1F;

    private readonly List<byte> _structures = [];
    private int _count, _largest;
    private ushort _nextHandle;

    /// <summary>Guest-physical address of the entry point.</summary>
    public ulong Address { get; } = address;

    /// <summary>Guest-physical address of the structure table.</summary>
    public ulong TableAddress { get; } = tableAddress;

    /// <summary>The SMBIOS version the entry point announces.</summary>
    public (byte Major, byte Minor, byte DocRev) Version { get; } = version;

    /// <summary>The structure table's length so far.</summary>
    public int TableLength => _structures.Count;

    /// <summary>Appends a structure with the next handle (1, 2, … in the order added).</summary>
    public SmbiosTables Add(byte type, ReadOnlySpan<byte> fields, params string[] strings) => Add(type, ++_nextHandle, fields, strings);

    /// <summary>
    /// Appends a structure of <paramref name="type"/> with <paramref name="handle"/>: <paramref name="fields"/> is its
    /// formatted section after the 4-byte header, <paramref name="strings"/> its string set.
    /// </summary>
    public SmbiosTables Add(byte type, ushort handle, ReadOnlySpan<byte> fields, params string[] strings)
    {
        var start = _structures.Count;
        _structures.Add(type);
        _structures.Add((byte)(4 + fields.Length));
        _structures.Add((byte)handle);
        _structures.Add((byte)(handle >> 8));
        _structures.AddRange(fields);
        foreach (var s in strings)
        {
            _structures.AddRange(Encoding.ASCII.GetBytes(s));
            _structures.Add(0);
        }
        _structures.Add(0);
        if (strings.Length == 0)
            _structures.Add(0);
        _count++;
        _largest = Math.Max(_largest, _structures.Count - start);
        return this;
    }

    /// <summary>The entry point, as it lies in guest memory at <see cref="Address"/>.</summary>
    public byte[] EntryPoint()
    {
        if (Version.Major >= 3)
        {
            var ep = new byte[EntryPoint64Length];
            "_SM3_"u8.CopyTo(ep);
            ep[6] = EntryPoint64Length;
            (ep[7], ep[8], ep[9]) = Version;
            ep[10] = 0x01; // entry point revision 1: the 3.0 entry point
            BinaryPrimitives.WriteUInt32LittleEndian(ep.AsSpan(12), (uint)_structures.Count); // structure table maximum size
            BinaryPrimitives.WriteUInt64LittleEndian(ep.AsSpan(16), TableAddress);
            ep[5] = Checksum(ep);
            return ep;
        }
        var ep32 = new byte[EntryPoint32Length];
        "_SM_"u8.CopyTo(ep32);
        ep32[5] = EntryPoint32Length;
        (ep32[6], ep32[7]) = (Version.Major, Version.Minor);
        BinaryPrimitives.WriteUInt16LittleEndian(ep32.AsSpan(8), (ushort)_largest); // maximum structure size
        "_DMI_"u8.CopyTo(ep32.AsSpan(0x10));
        BinaryPrimitives.WriteUInt16LittleEndian(ep32.AsSpan(0x16), (ushort)_structures.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(ep32.AsSpan(0x18), (uint)TableAddress);
        BinaryPrimitives.WriteUInt16LittleEndian(ep32.AsSpan(0x1C), (ushort)_count);
        ep32[0x1E] = (byte)(Version.Major << 4 | Version.Minor); // SMBIOS BCD revision
        ep32[0x15] = Checksum(ep32.AsSpan(0x10)); // the intermediate part sums to 0 on its own
        ep32[4] = Checksum(ep32);
        return ep32;
    }

    /// <summary>The structure table, as it lies in guest memory at <see cref="TableAddress"/>.</summary>
    public byte[] Table() => [.. _structures];

    /// <summary>The byte that makes <paramref name="bytes"/> sum to 0.</summary>
    private static byte Checksum(ReadOnlySpan<byte> bytes)
    {
        byte sum = 0;
        foreach (var b in bytes)
            sum += b;
        return (byte)-sum;
    }
}
