using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Loader.Images.BzImage;

/// <summary>
/// An x86 bzImage: the real-mode setup (boot sector + setup_sects sectors, holding the setup header)
/// followed by the protected-mode kernel. <see cref="Parse(ReadOnlySpan{byte})"/> applies the
/// acceptance rules in rust-vmm linux-loader's order (src/loader/bzimage/mod.rs, v0.14) and ours after
/// them; loading copies the protected-mode part to <c>code32_start</c> or the given address and rewrites
/// <c>code32_start</c> to match, all-or-nothing.
/// </summary>
public sealed class BzImageKernel
{
    /// <summary>Bytes an image must have for its "HdrS" and version to be read (up to 0x208).</summary>
    private const int MinimumLength = 0x208;

    private BzImageKernel(SetupHeader header, ulong fileLength, ulong protectedModeSize, KernelInfo? kernelInfo)
    {
        Header = header;
        FileLength = fileLength;
        ProtectedModeSize = protectedModeSize;
        KernelInfo = kernelInfo;
    }

    /// <summary>The setup header as found in the image.</summary>
    public SetupHeader Header { get; }
    /// <summary>Length of the image file.</summary>
    public ulong FileLength { get; }
    /// <summary>File offset of the protected-mode kernel.</summary>
    public ulong ProtectedModeOffset => (ulong)Header.ProtectedModeOffset;
    /// <summary>Bytes of protected-mode kernel loaded: <c>syssize</c> × 16 (the rest of the file when syssize is 0).</summary>
    public ulong ProtectedModeSize { get; }
    /// <summary>The 2.15 <c>kernel_info</c>, when the image has one and it was within the bytes parsed.</summary>
    public KernelInfo? KernelInfo { get; }

    /// <summary>
    /// File range of the compressed payload (protocol 2.08+): <c>payload_offset</c> is relative to the
    /// protected-mode code. Null before 2.08 or when the header gives no payload.
    /// </summary>
    public (ulong Offset, ulong Length)? Payload
    {
        get
        {
            if (Header.Version < 0x0208 || Header.PayloadLength == 0)
                return null;
            return (ProtectedModeOffset + Header.PayloadOffset, Header.PayloadLength);
        }
    }

    /// <summary>Parses and validates a bzImage held in memory.</summary>
    public static BzImageKernel Parse(ReadOnlySpan<byte> image)
    {
        var kernel = Parse(image, (ulong)image.Length);
        var info = kernel.Header.Version >= 0x020F && kernel.Header.KernelInfoOffset != 0
            ? BzImage.KernelInfo.TryParse(image, kernel.ProtectedModeOffset + kernel.Header.KernelInfoOffset)
            : null;
        return new BzImageKernel(kernel.Header, kernel.FileLength, kernel.ProtectedModeSize, info);
    }

    /// <summary>
    /// Parses the header from the leading bytes of an image whose full length is
    /// <paramref name="fileLength"/> (the stream path reads only the headers).
    /// </summary>
    internal static BzImageKernel Parse(ReadOnlySpan<byte> head, ulong fileLength)
    {
        if (head.Length < MinimumLength)
            throw new LoaderException(LoaderError.TruncatedImage,
                $"image is 0x{head.Length:x} bytes; a bzImage needs at least 0x{MinimumLength:x} to hold HdrS and version (boot.rst)");
        // Read through a zero-padded copy so a short file reaches linux-loader's Underflow check below,
        // which is what it reports for such files (fuzz_invalid_bzimage.bin), instead of a read error.
        Span<byte> padded = stackalloc byte[SetupHeader.Offset + SetupHeader.Size];
        head[..Math.Min(head.Length, padded.Length)].CopyTo(padded);
        var header = SetupHeader.Parse(padded);

        if (!header.HasHeaderMagic)
            throw new LoaderException(LoaderError.InvalidBzImage,
                $"no \"HdrS\" at 0x202 (found 0x{header.Header:x8}): a pre-2.00 zImage, not a bzImage (boot.rst)");
        if (header.Version < 0x0200)
            throw new LoaderException(LoaderError.InvalidBzImage,
                $"setup header version 0x{header.Version:x4} < 0x0200 (boot.rst: bzImage requires 2.00+)");
        if ((header.LoadFlags & SetupHeader.LoadedHigh) == 0)
            throw new LoaderException(LoaderError.InvalidBzImage,
                $"loadflags 0x{header.LoadFlags:x2} lacks LOADED_HIGH: a zImage loaded at 0x10000, not a bzImage (boot.rst)");
        var setupSize = (ulong)header.ProtectedModeOffset;
        if (fileLength < setupSize)
            throw new LoaderException(LoaderError.Underflow,
                $"the 0x{fileLength:x}-byte image is shorter than its 0x{setupSize:x}-byte setup (setup_sects {header.SetupSects})");
        if (header.BootFlag != SetupHeader.BootFlagMagic)
            throw new LoaderException(LoaderError.InvalidBootFlag, $"boot_flag at 0x1fe is 0x{header.BootFlag:x4}, not 0xaa55 (boot.rst)");

        var available = fileLength - setupSize;
        var pmSize = header.SysSize == 0 ? available : header.ProtectedModeSize;
        if (pmSize > available)
            throw new LoaderException(LoaderError.TruncatedImage,
                $"syssize says 0x{pmSize:x} bytes of protected-mode kernel but only 0x{available:x} follow the setup");
        if (pmSize == 0)
            throw new LoaderException(LoaderError.TruncatedImage, "the image has no protected-mode kernel after its setup");
        return new BzImageKernel(header, fileLength, pmSize, null);
    }

    /// <summary>
    /// Works out where the protected-mode kernel goes: <paramref name="loadAddress"/> or
    /// <c>code32_start</c>; <c>code32_start</c> below <paramref name="highmemStart"/> is rejected
    /// (linux-loader InvalidKernelStartAddress). Checks guest RAM; writes nothing.
    /// </summary>
    public KernelLoadResult Plan(GuestMemory memory, ulong? loadAddress, ulong? highmemStart)
    {
        if (highmemStart is { } himem && Header.Code32Start < himem)
            throw new LoaderException(LoaderError.InvalidKernelStartAddress,
                $"code32_start 0x{Header.Code32Start:x} is below the start of high memory 0x{himem:x}");
        var load = loadAddress ?? Header.Code32Start;
        if (load > uint.MaxValue && !Header.EffectiveXLoadFlags.HasFlag(XLoadFlags.CanBeLoadedAbove4G))
            throw new LoaderException(LoaderError.InvalidKernelStartAddress,
                $"load address 0x{load:x} is above 4 GiB but xloadflags lacks XLF_CAN_BE_LOADED_ABOVE_4G (boot.rst 2.12)");
        var end = load + ProtectedModeSize;
        if (end < load)
            throw new LoaderException(LoaderError.MemoryOverflow, $"load address 0x{load:x} + 0x{ProtectedModeSize:x} overflows");
        var segments = new[] { new SegmentPlacement(ProtectedModeOffset, load, ProtectedModeSize, ProtectedModeSize) };
        LoadPlan.Validate(memory, segments, FileLength);
        return new KernelLoadResult
        {
            Format = ImageFormat.BzImage,
            KernelLoad = load,
            KernelEnd = end,
            Segments = segments,
            // code32_start is 32 bits: the 64-bit entry of a kernel loaded above 4 GiB is KernelLoad + 0x200.
            SetupHeader = Header with { Code32Start = (uint)load },
        };
    }

    /// <summary>Parses, validates and loads an in-memory bzImage; all-or-nothing.</summary>
    public static KernelLoadResult Load(GuestMemory memory, ReadOnlySpan<byte> image, ulong? loadAddress = null, ulong? highmemStart = null)
    {
        var result = Parse(image).Plan(memory, loadAddress, highmemStart);
        LoadPlan.Apply(memory, result.Segments, image);
        return result;
    }

    /// <summary>
    /// Loads from a stream. A seekable one is read where the header points and copied straight into guest memory
    /// (failed seeks: linux-loader bzimage::SeekBzImageEnd, SeekBzImageHeader, SeekBzImageCompressedKernel); one that cannot seek
    /// is read forward once, whole.
    /// </summary>
    public static KernelLoadResult Load(GuestMemory memory, Stream image, ulong? loadAddress = null, ulong? highmemStart = null)
    {
        if (!image.CanSeek)
            return Load(memory, ImageStreams.ReadForward(image), loadAddress, highmemStart);
        var length = ImageStreams.LengthOf(image, LoaderError.SeekBzImageEnd);
        var head = ImageStreams.ReadHeaders(image, SetupHeader.Offset + SetupHeader.Size, LoaderError.SeekBzImageHeader);
        var result = Parse(head.Span, (ulong)length).Plan(memory, loadAddress, highmemStart);
        LoadPlan.Apply(memory, result.Segments, image, LoaderError.SeekBzImageCompressedKernel);
        return result;
    }
}
