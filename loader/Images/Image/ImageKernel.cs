using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Loader.Images.Image;

/// <summary>
/// An arm64 or riscv64 <c>Image</c> (rust-vmm linux-loader's <c>PE</c> loader, v0.14): loaded whole at
/// a 2 MiB-aligned base + text_offset. An arm64 <c>Image.gz</c> is inflated first.
/// </summary>
public sealed class ImageKernel
{
    /// <summary>Required alignment of the base address (booting.rst: "2MB aligned base").</summary>
    public const ulong BaseAlignment = 0x20_0000;
    /// <summary>Largest DTB the kernel maps (arm64 MAX_FDT_SIZE; linux-loader pe::load_dtb).</summary>
    public const ulong MaxDtbSize = 0x20_0000;

    private ImageKernel(ImageHeader header, ulong fileLength, bool wasCompressed)
    {
        Header = header;
        FileLength = fileLength;
        WasCompressed = wasCompressed;
    }

    /// <summary>The Image header.</summary>
    public ImageHeader Header { get; }
    /// <summary>Bytes of the (inflated) Image.</summary>
    public ulong FileLength { get; }
    /// <summary>Whether the file was a gzip-compressed Image.</summary>
    public bool WasCompressed { get; }

    /// <summary>Parses the header of a raw Image (not gzip: use <see cref="Open"/> for that).</summary>
    public static ImageKernel Parse(ReadOnlySpan<byte> image) => new(ImageHeader.Parse(image), (ulong)image.Length, false);

    /// <summary>Parses a raw or gzip-compressed Image file; returns the kernel and the bytes to load.</summary>
    public static (ImageKernel Kernel, byte[] Image) Open(ReadOnlySpan<byte> file)
    {
        if (!GzipImage.IsGzip(file))
            return (Parse(file), file.ToArray());
        var inflated = GzipImage.Inflate(file);
        return (new ImageKernel(ImageHeader.Parse(inflated), (ulong)inflated.Length, true), inflated);
    }

    /// <summary>
    /// Works out where the Image goes: <paramref name="baseAddress"/> must be 2 MiB aligned
    /// (InvalidBaseAddrAlignment); load = base + text_offset (InvalidImage on overflow). kernel_end is
    /// load + file length as in linux-loader; the single segment claims max(file, image_size) bytes.
    /// </summary>
    public KernelLoadResult Plan(GuestMemory memory, ulong baseAddress)
    {
        if (baseAddress % BaseAlignment != 0)
            throw new LoaderException(LoaderError.InvalidBaseAddrAlignment, $"base address 0x{baseAddress:x} is not 2 MiB aligned (booting.rst)");
        var load = baseAddress + Header.EffectiveTextOffset;
        if (load < baseAddress)
            throw new LoaderException(LoaderError.InvalidImage, $"base 0x{baseAddress:x} + text_offset 0x{Header.EffectiveTextOffset:x} overflows");
        var claimed = Math.Max(FileLength, Header.ImageSize);
        if (load + claimed < load)
            throw new LoaderException(LoaderError.InvalidImage, $"load address 0x{load:x} + image size 0x{claimed:x} overflows");
        var segments = new[] { new SegmentPlacement(0, load, FileLength, claimed) };
        LoadPlan.Validate(memory, segments, FileLength);
        return new KernelLoadResult
        {
            Format = Header.Architecture == ImageArchitecture.Arm64
                ? (WasCompressed ? ImageFormat.Arm64ImageGzip : ImageFormat.Arm64Image)
                : ImageFormat.Riscv64Image,
            KernelLoad = load,
            KernelEnd = load + FileLength,
            Segments = segments,
            ImageHeader = Header,
        };
    }

    /// <summary>Loads a raw or gzip-compressed Image at <paramref name="baseAddress"/>; all-or-nothing.</summary>
    /// <param name="memory">Guest memory.</param>
    /// <param name="image">The file's bytes.</param>
    /// <param name="baseAddress">A 2 MiB-aligned base; the Image goes at base + text_offset.</param>
    /// <param name="requireArm64">Reject a riscv64 Image (the arm64 loader path).</param>
    public static KernelLoadResult Load(GuestMemory memory, ReadOnlySpan<byte> image, ulong baseAddress, bool requireArm64 = false)
    {
        if (GzipImage.IsGzip(image))
        {
            var (kernel, inflated) = Open(image);
            return kernel.LoadChecked(memory, inflated, baseAddress, requireArm64);
        }
        return Parse(image).LoadChecked(memory, image, baseAddress, requireArm64);
    }

    /// <summary>
    /// Loads from a stream. A seekable one is copied straight into guest memory (failed seeks: linux-loader
    /// pe::SeekImageHeader); one that cannot seek is read forward once, whole.
    /// </summary>
    public static KernelLoadResult Load(GuestMemory memory, Stream image, ulong baseAddress, bool requireArm64 = false)
    {
        if (!image.CanSeek)
            return Load(memory, ImageStreams.ReadForward(image), baseAddress, requireArm64);
        var head = ImageStreams.ReadHeaders(image, ImageHeader.Size, LoaderError.SeekImageHeader);
        if (GzipImage.IsGzip(head.Span))
            return Load(memory, ImageStreams.ReadAll(image, LoaderError.SeekImageHeader), baseAddress, requireArm64);
        var kernel = new ImageKernel(ImageHeader.Parse(head.Span), (ulong)image.Length, false);
        kernel.CheckArchitecture(requireArm64);
        var result = kernel.Plan(memory, baseAddress);
        LoadPlan.Apply(memory, result.Segments, image, LoaderError.SeekImageHeader);
        return result;
    }

    private KernelLoadResult LoadChecked(GuestMemory memory, ReadOnlySpan<byte> image, ulong baseAddress, bool requireArm64)
    {
        CheckArchitecture(requireArm64);
        var result = Plan(memory, baseAddress);
        LoadPlan.Apply(memory, result.Segments, image);
        return result;
    }

    private void CheckArchitecture(bool requireArm64)
    {
        if (requireArm64 && Header.Architecture != ImageArchitecture.Arm64)
            throw new LoaderException(LoaderError.InvalidImageMagicNumber, $"expected an arm64 Image, found a {Header.Architecture} Image");
    }
}
