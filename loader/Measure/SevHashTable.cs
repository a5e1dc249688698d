using System.Buffers.Binary;

namespace LoaderHarness.Loader.Measure;

/// <summary>
/// The SEV hashes table QEMU writes for measured direct boot and OVMF checks the kernel, initrd and command line
/// against (QEMU target/i386/sev.c: <c>SevHashTable</c>, <c>PaddedSevHashTable</c>, <c>build_kernel_loader_hashes</c>;
/// OVMF OvmfPkg/Library/BlobVerifierLib/BlobVerifierSevHashes.c). Packed little-endian: a header GUID and the
/// table's length, then three entries of GUID, u16 length and SHA-256 in the order cmdline, initrd, kernel; the
/// 168 bytes are zero-padded to a multiple of 16 because sev_encrypt_flash encrypts whole 16-byte blocks.
/// </summary>
public static class SevHashTable
{
    /// <summary>SHA-256 digest length (sev.c <c>HASH_SIZE</c>).</summary>
    public const int HashSize = 32;
    /// <summary>A GUID as QemuUUID stores it (UUID_LE: the first three fields little-endian).</summary>
    public const int GuidSize = 16;
    /// <summary><c>sizeof(SevHashTableEntry)</c>: guid, u16 len, hash.</summary>
    public const int EntrySize = GuidSize + sizeof(ushort) + HashSize;
    /// <summary><c>sizeof(SevHashTable)</c>: guid, u16 len, then the cmdline, initrd and kernel entries (168).</summary>
    public const int TableSize = GuidSize + sizeof(ushort) + 3 * EntrySize;
    /// <summary><c>sizeof(PaddedSevHashTable)</c>: the table rounded up to 16 bytes (176).</summary>
    public const int PaddedSize = (TableSize + 15) / 16 * 16;

    /// <summary>Offsets of the three entries in the table (after the header's guid and len).</summary>
    public const int CmdlineEntry = GuidSize + sizeof(ushort), InitrdEntry = CmdlineEntry + EntrySize, KernelEntry = InitrdEntry + EntrySize;

    /// <summary><c>sev_hash_table_header_guid</c>: 9438d606-4f22-4cc9-b479-a793d411fd21.</summary>
    public static readonly Guid HeaderGuid = new("9438d606-4f22-4cc9-b479-a793d411fd21");
    /// <summary><c>sev_kernel_entry_guid</c>: 4de79437-abd2-427f-b835-d5b172d2045b.</summary>
    public static readonly Guid KernelGuid = new("4de79437-abd2-427f-b835-d5b172d2045b");
    /// <summary><c>sev_initrd_entry_guid</c>: 44baf731-3a2f-4bd7-9af1-41e29169781d.</summary>
    public static readonly Guid InitrdGuid = new("44baf731-3a2f-4bd7-9af1-41e29169781d");
    /// <summary><c>sev_cmdline_entry_guid</c>: 97d02dd8-bd20-4c94-aa78-e7714d36ab2a.</summary>
    public static readonly Guid CmdlineGuid = new("97d02dd8-bd20-4c94-aa78-e7714d36ab2a");

    /// <summary>Writes the padded table (<see cref="PaddedSize"/> bytes) for the three digests.</summary>
    public static byte[] Build(ReadOnlySpan<byte> kernelSha256, ReadOnlySpan<byte> initrdSha256, ReadOnlySpan<byte> cmdlineSha256)
    {
        if (kernelSha256.Length != HashSize || initrdSha256.Length != HashSize || cmdlineSha256.Length != HashSize)
            throw new ArgumentException($"each digest must be {HashSize} bytes (SHA-256)");
        // Zeroed: the padding QEMU memsets to 0 "so the measurement can be reliably calculated".
        var table = new byte[PaddedSize];
        WriteGuid(table.AsSpan(0), HeaderGuid);
        BinaryPrimitives.WriteUInt16LittleEndian(table.AsSpan(GuidSize), TableSize);
        WriteEntry(table.AsSpan(CmdlineEntry, EntrySize), CmdlineGuid, cmdlineSha256);
        WriteEntry(table.AsSpan(InitrdEntry, EntrySize), InitrdGuid, initrdSha256);
        WriteEntry(table.AsSpan(KernelEntry, EntrySize), KernelGuid, kernelSha256);
        return table;
    }

    private static void WriteEntry(Span<byte> entry, Guid guid, ReadOnlySpan<byte> hash)
    {
        WriteGuid(entry, guid);
        BinaryPrimitives.WriteUInt16LittleEndian(entry[GuidSize..], EntrySize);
        hash.CopyTo(entry[(GuidSize + sizeof(ushort))..]);
    }

    /// <summary>UUID_LE byte order, which is also .NET's little-endian Guid layout (time_low, time_mid, time_hi little-endian; the rest as written).</summary>
    private static void WriteGuid(Span<byte> destination, Guid guid)
    {
        if (!guid.TryWriteBytes(destination, bigEndian: false, out _))
            throw new ArgumentException("GUID needs 16 bytes", nameof(destination));
    }
}
