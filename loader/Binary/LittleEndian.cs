using System.Buffers.Binary;

namespace LoaderHarness.Loader.Binary;

/// <summary>
/// Little-endian fields at a byte offset: every boot structure and image header the loader reads or writes
/// (x86 boot protocol, PVH start_info, ELF64 on x86_64, arm64/riscv64 Image) is little-endian. One helper
/// instead of a private copy per structure; <c>using static</c> keeps call sites short.
/// </summary>
public static class LittleEndian
{
    /// <summary>The 16-bit value at <paramref name="offset"/>.</summary>
    public static ushort ReadU16(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadUInt16LittleEndian(bytes[offset..]);

    /// <summary>The 32-bit value at <paramref name="offset"/>.</summary>
    public static uint ReadU32(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(bytes[offset..]);

    /// <summary>The 64-bit value at <paramref name="offset"/>.</summary>
    public static ulong ReadU64(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(bytes[offset..]);

    /// <summary>Writes a 16-bit value at <paramref name="offset"/>.</summary>
    public static void WriteU16(Span<byte> bytes, int offset, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(bytes[offset..], value);

    /// <summary>Writes a 32-bit value at <paramref name="offset"/>.</summary>
    public static void WriteU32(Span<byte> bytes, int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(bytes[offset..], value);

    /// <summary>Writes a 64-bit value at <paramref name="offset"/>.</summary>
    public static void WriteU64(Span<byte> bytes, int offset, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(bytes[offset..], value);
}
