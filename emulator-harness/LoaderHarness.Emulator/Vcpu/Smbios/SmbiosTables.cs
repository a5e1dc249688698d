using System.Buffers.Binary;
using System.Text;

namespace LoaderHarness.Emulator.Vcpu.Smbios;

/// <summary>
/// SMBIOS tables as a VMM writes them into guest memory (DMTF DSP0134 3.2.0): a 64-bit entry point ("_SM3_", §5.2.2)
/// at <see cref="Address"/> and the structure table right after it, each structure its formatted section (type,
/// length, handle, fields, §6.1.2) and its string set (§6.1.3: NUL-terminated strings and one more NUL, or two NULs
/// when it has none). Linux finds the entry point by scanning 0xF0000–0xFFFFF on 16-byte boundaries
/// (drivers/firmware/dmi_scan.c dmi_scan_machine) and prints "SMBIOS major.minor.docrev present."
/// </summary>
public sealed class SmbiosTables
{
    private readonly List<byte> _structures = [];
    private ushort _handle;

    /// <summary>Tables whose entry point is at <paramref name="address"/> and that announce version <paramref name="version"/>.</summary>
    public SmbiosTables(ulong address, (byte Major, byte Minor, byte DocRev) version)
    {
        Address = address;
        Version = version;
    }

    /// <summary>Guest-physical address of the entry point.</summary>
    public ulong Address { get; }

    /// <summary>The SMBIOS version the entry point announces.</summary>
    public (byte Major, byte Minor, byte DocRev) Version { get; }

    /// <summary>The 3.0 entry point's length (DSP0134 §5.2.2 table 2: 0x18).</summary>
    public const int EntryPointLength = 0x18;

    /// <summary>
    /// Appends a structure of <paramref name="type"/>: <paramref name="fields"/> is its formatted section after the
    /// 4-byte header, <paramref name="strings"/> its string set. Handles count from 1 in the order added.
    /// </summary>
    public SmbiosTables Add(byte type, ReadOnlySpan<byte> fields, params string[] strings)
    {
        _structures.Add(type);
        _structures.Add((byte)(4 + fields.Length));
        var handle = ++_handle;
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
        return this;
    }

    /// <summary>The entry point and the structures, as they lie in guest memory from <see cref="Address"/>.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[EntryPointLength + _structures.Count];
        var ep = bytes.AsSpan(0, EntryPointLength);
        "_SM3_"u8.CopyTo(ep);
        ep[6] = EntryPointLength;
        (ep[7], ep[8], ep[9]) = Version;
        ep[10] = 0x01; // entry point revision 1: the 3.0 entry point
        BinaryPrimitives.WriteUInt32LittleEndian(ep[12..], (uint)_structures.Count); // structure table maximum size
        BinaryPrimitives.WriteUInt64LittleEndian(ep[16..], Address + EntryPointLength);
        byte sum = 0;
        foreach (var b in ep)
            sum += b;
        ep[5] = (byte)-sum; // the entry point's bytes sum to 0
        _structures.CopyTo(bytes, EntryPointLength);
        return bytes;
    }
}
