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
    /// pe::SeekImageEnd, SeekImageHeader); one that cannot seek is read forward once, whole.
    /// </summary>
    public static KernelLoadResult Load(GuestMemory memory, Stream image, ulong baseAddress, bool requireArm64 = false)
    {
        if (!image.CanSeek)
            return Load(memory, ImageStreams.ReadForward(image), baseAddress, requireArm64);
        var length = ImageStreams.LengthOf(image, LoaderError.SeekImageEnd);
        var head = ImageStreams.ReadHeaders(image, ImageHeader.Size, LoaderError.SeekImageHeader);
        if (GzipImage.IsGzip(head.Span))
            return Load(memory, ImageStreams.ReadAll(image, LoaderError.SeekImageHeader), baseAddress, requireArm64);
        var kernel = new ImageKernel(ImageHeader.Parse(head.Span), (ulong)length, false);
        kernel.CheckArchitecture(requireArm64);
        var result = kernel.Plan(memory, baseAddress);
        LoadPlan.Apply(memory, result.Segments, image, LoaderError.SeekImageHeader);
        return result;
    }

    /// <summary>
    /// linux-loader <c>pe::load_dtb</c> for a caller's own DTB: at most <see cref="MaxDtbSize"/> bytes
    /// (<see cref="LoaderError.DtbTooBig"/>), written at <paramref name="address"/> only if every byte lands in RAM
    /// (<see cref="LoaderError.ReadDtbImage"/> otherwise). The bytes are not parsed: the caller vouches for them.
    /// </summary>
    public static void LoadDtb(GuestMemory memory, ulong address, ReadOnlySpan<byte> dtb)
    {
        ArgumentNullException.ThrowIfNull(memory);
        if ((ulong)dtb.Length > MaxDtbSize)
            throw new LoaderException(LoaderError.DtbTooBig, $"the DTB is 0x{dtb.Length:x} bytes; the kernel maps at most 0x{MaxDtbSize:x} (arm64 MAX_FDT_SIZE)");
        if (dtb.Length > 0 && !memory.IsRam(address, (ulong)dtb.Length))
            throw new LoaderException(LoaderError.ReadDtbImage, $"the DTB [0x{address:x}, +0x{dtb.Length:x}) does not lie in guest RAM");
        memory.Write(address, dtb);
    }

    /// <summary>
    /// <see cref="LoadDtb(GuestMemory, ulong, ReadOnlySpan{byte})"/> from a stream: a seekable one is sized by seeking
    /// to its end (failures: SeekDtbEnd, SeekDtbStart), one that cannot seek is read forward; a failed read is ReadDtbImage.
    /// </summary>
    public static void LoadDtb(GuestMemory memory, ulong address, Stream dtb)
    {
        ArgumentNullException.ThrowIfNull(dtb);
        byte[] bytes;
        try
        {
            if (dtb.CanSeek)
            {
                long size;
                try
                {
                    size = dtb.Seek(0, SeekOrigin.End);
                }
                catch (Exception e) when (e is IOException or NotSupportedException)
                {
                    throw new LoaderException(LoaderError.SeekDtbEnd, $"seeking to the end of the DTB failed: {e.Message}", e);
                }
                if ((ulong)size > MaxDtbSize)
                    throw new LoaderException(LoaderError.DtbTooBig, $"the DTB is 0x{size:x} bytes; the kernel maps at most 0x{MaxDtbSize:x} (arm64 MAX_FDT_SIZE)");
                ImageStreams.Seek(dtb, 0, LoaderError.SeekDtbStart, "the start of the DTB");
                bytes = new byte[size];
                dtb.ReadExactly(bytes);
            }
            else
            {
                bytes = new byte[MaxDtbSize + 1];
                var read = dtb.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
                if ((ulong)read > MaxDtbSize)
                    throw new LoaderException(LoaderError.DtbTooBig, $"the DTB stream holds more than 0x{MaxDtbSize:x} bytes (arm64 MAX_FDT_SIZE)");
                Array.Resize(ref bytes, read);
            }
        }
        catch (Exception e) when (e is IOException or EndOfStreamException)
        {
            throw new LoaderException(LoaderError.ReadDtbImage, $"reading the DTB failed: {e.Message}", e);
        }
        LoadDtb(memory, address, bytes);
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
