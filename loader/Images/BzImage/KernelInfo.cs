using System.Buffers.Binary;

namespace LoaderHarness.Loader.Images.BzImage;

/// <summary>
/// <c>struct kernel_info</c> (boot.rst "The kernel_info", protocol 2.15+), found at file offset
/// (setup_sects + 1) × 512 + <c>kernel_info_offset</c>.
/// </summary>
public readonly record struct KernelInfo
{
    /// <summary>"LToP" at +0.</summary>
    public const uint Magic = 0x506F_544C;

    /// <summary><c>size</c> at +4: bytes of the fixed part, header included.</summary>
    public uint Size { get; init; }
    /// <summary><c>size_total</c> at +8: bytes including variable-length data.</summary>
    public uint SizeTotal { get; init; }
    /// <summary><c>setup_type_max</c> at +0xC: the highest setup_data type the kernel understands.</summary>
    public uint SetupTypeMax { get; init; }

    /// <summary>Reads the kernel_info at <paramref name="fileOffset"/>; null when it is absent or out of bounds.</summary>
    public static KernelInfo? TryParse(ReadOnlySpan<byte> image, ulong fileOffset)
    {
        if (fileOffset > (ulong)image.Length || (ulong)image.Length - fileOffset < 16)
            return null;
        var b = image[(int)fileOffset..];
        if (BinaryPrimitives.ReadUInt32LittleEndian(b) != Magic)
            return null;
        return new KernelInfo
        {
            Size = BinaryPrimitives.ReadUInt32LittleEndian(b[4..]),
            SizeTotal = BinaryPrimitives.ReadUInt32LittleEndian(b[8..]),
            SetupTypeMax = BinaryPrimitives.ReadUInt32LittleEndian(b[12..]),
        };
    }
}
