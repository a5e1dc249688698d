using System.Buffers.Binary;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Boot;

/// <summary>
/// The instruction budget a boot gets unless one is given, sized to the kernel: <see cref="KernelAllowance"/> for the
/// kernel itself (counted from its first instruction, or from the decompressor's jump into it), plus, for a
/// bzImage, an allowance for its decompressor of so many instructions per byte of <c>init_size</c> (boot.rst
/// 0x260, the memory the decompressed kernel needs) for the payload's codec. An instruction budget keeps runs
/// reproducible (virtual time counts instructions), where a wall-clock limit would stop the same kernel at
/// different places on different machines.
/// <para>
/// Measured with Debian 12's kernels to <c>start_kernel</c>: lz4 (6.1 cloud, init_size 51 MiB) 93 M instructions in
/// all, zstd (6.12 cloud and generic, 56 MiB) 804 M, xz (6.1 generic, 64 MiB) 4.48 G: about 1.7, 14 and 67 per
/// byte of init_size. The factors below leave at least twice that; the codecs not measured get their nearest
/// measured neighbour's factor, doubled (gzip and lzo between lz4 and zstd, lzma and bzip2 like xz or slower).
/// </para>
/// </summary>
public static class KernelBudget
{
    /// <summary>Instructions for the kernel from its entry: enough for Debian's kernels from entry to /init with our devices.</summary>
    public const ulong KernelAllowance = 2_000_000_000;

    /// <summary>Decompressor instructions per byte of <c>init_size</c>, by payload codec.</summary>
    public static ulong PerByte(PayloadCompression codec) => codec switch
    {
        PayloadCompression.Lz4 => 4,
        PayloadCompression.Lzo => 16,
        PayloadCompression.Gzip => 40,
        PayloadCompression.Zstd => 30,
        PayloadCompression.Xz or PayloadCompression.Lzma => 140,
        PayloadCompression.Bzip2 => 300,
        _ => 140,
    };

    /// <summary>
    /// The decompressor's allowance for the guest in <paramref name="memory"/> set up as <paramref name="setup"/>: 0 for
    /// a kernel that is not a bzImage; else <see cref="PerByte"/> × <c>init_size</c>, the codec read from the payload's
    /// magic where the loader put it (<c>payload_offset</c> 0x248 from the protected-mode code).
    /// </summary>
    public static ulong DecompressorAllowance(GuestMemory memory, GuestSetupResult setup)
    {
        if (setup.Kernel.Format != ImageFormat.BzImage || setup.BootStructure.Length < SetupHeaderLayout.InitSize + 4)
            return 0;
        var header = setup.BootStructure.AsSpan();
        var initSize = BinaryPrimitives.ReadUInt32LittleEndian(header[SetupHeaderLayout.InitSize..]);
        var payload = setup.Kernel.KernelLoad + BinaryPrimitives.ReadUInt32LittleEndian(header[SetupHeaderLayout.PayloadOffset..]);
        Span<byte> magic = stackalloc byte[6];
        var codec = memory.IsRam(payload, (ulong)magic.Length) ? Detect(memory, payload, magic) : PayloadCompression.Unknown;
        return PerByte(codec) * Math.Max(initSize, 16u << 20);
    }

    /// <summary>The whole default budget: <see cref="KernelAllowance"/> plus <see cref="DecompressorAllowance"/>.</summary>
    public static ulong For(GuestMemory memory, GuestSetupResult setup) => KernelAllowance + DecompressorAllowance(memory, setup);

    private static PayloadCompression Detect(GuestMemory memory, ulong payload, Span<byte> magic)
    {
        memory.Read(payload, magic);
        return PayloadCodec.Detect(magic);
    }
}
