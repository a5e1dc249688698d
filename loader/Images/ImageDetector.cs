using System.Buffers.Binary;
using System.IO.Compression;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images.Image;
using LoaderHarness.Loader.Images.Uki;
using LoaderHarness.Loader.Images.Zboot;

namespace LoaderHarness.Loader.Images;

/// <summary>Recognises a kernel image's format from its first bytes.</summary>
public static class ImageDetector
{
    /// <summary>
    /// Enough leading bytes to tell every supported format apart, except a unified kernel image, whose PE section
    /// table may lie further in (<see cref="Detect(Stream)"/> reads 64 KiB).
    /// </summary>
    public const int HeadLength = 0x208;

    /// <summary>
    /// Returns the format the magic numbers say, or <see cref="ImageFormat.Unknown"/>. Only magic values
    /// are checked; the format's loader validates the rest.
    /// </summary>
    public static ImageFormat Detect(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 4 && BinaryPrimitives.ReadUInt32BigEndian(head) == 0x7F45_4C46)
            return ImageFormat.Elf;
        // Both wrappers are PEs, and so are the kernels' own EFI stubs (a bzImage, an arm64 Image): the wrappers
        // are told apart first, by zboot's "zimg" at 4 and by a UKI's .linux section, which no kernel stub has.
        if (ZbootHeader.IsZboot(head))
            return ImageFormat.Zboot;
        if (UkiImage.IsUki(head))
            return ImageFormat.Uki;
        if (head.Length >= 0x206 && BinaryPrimitives.ReadUInt32LittleEndian(head[BzImage.SetupHeaderLayout.Header..]) == BzImage.SetupHeader.HeaderMagic)
            return ImageFormat.BzImage;
        if (head.Length >= ImageHeader.Size)
        {
            var magic = BinaryPrimitives.ReadUInt32LittleEndian(head[0x38..]);
            if (magic == ImageHeader.Arm64Magic)
                return ImageFormat.Arm64Image;
            if (magic == ImageHeader.RiscvMagic2)
                return ImageFormat.Riscv64Image;
        }
        if (head.Length >= 2 && head[0] == 0x1F && head[1] == 0x8B && InflatedHeadIsArm64(head))
            return ImageFormat.Arm64ImageGzip;
        return ImageFormat.Unknown;
    }

    /// <summary>
    /// The error for bytes <see cref="Detect(ReadOnlySpan{byte})"/> calls <see cref="ImageFormat.Unknown"/>: a file
    /// with the x86 boot sector's 0xAA55 <c>boot_flag</c> at 0x1FE but no "HdrS" at 0x202 (boot.rst) is named as a
    /// damaged bzImage header rather than an unknown file.
    /// </summary>
    public static LoaderException Unrecognized(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 0x206 && BinaryPrimitives.ReadUInt16LittleEndian(head[BzImage.SetupHeaderLayout.BootFlag..]) == 0xAA55)
            return new LoaderException(LoaderError.InvalidBzImage,
                $"boot_flag 0xAA55 at 0x1fe but 0x202 holds {Convert.ToHexString(head.Slice(BzImage.SetupHeaderLayout.Header, 4))}, not \"HdrS\": a damaged or pre-2.00 bzImage header");
        return new LoaderException(LoaderError.UnknownImageFormat,
            "not an x86_64 ELF, bzImage, arm64 Image (or Image.gz), riscv64 Image, unified kernel image or EFI zboot image: no known magic number");
    }

    /// <summary>
    /// The format of the kernel a wrapper carries, read from headers only: a zboot image's Image architecture
    /// (its PE machine), a UKI's <c>.linux</c> (and, for an arm64 UKI wrapping zboot, that zboot's Image). Any
    /// other file's own <see cref="Detect(ReadOnlySpan{byte})"/>; <see cref="ImageFormat.Unknown"/> when the
    /// wrapper is malformed (parsing it says why).
    /// </summary>
    public static ImageFormat DetectInner(ReadOnlySpan<byte> file)
    {
        var format = Detect(file);
        try
        {
            if (format == ImageFormat.Zboot)
                return ZbootHeader.Parse(file).InnerFormat;
            if (format == ImageFormat.Uki)
            {
                var section = PeSectionTable.Parse(file).Find(UkiImage.LinuxSection)!.Value;
                var linux = file.Slice((int)section.PointerToRawData, (int)section.ContentLength);
                var inner = Detect(linux);
                return inner == ImageFormat.Zboot ? ZbootHeader.Parse(linux).InnerFormat : inner == ImageFormat.Uki ? ImageFormat.Unknown : inner;
            }
        }
        catch (LoaderException)
        {
            return ImageFormat.Unknown;
        }
        return format;
    }

    /// <summary>Detects the format of a seekable stream without moving its position.</summary>
    public static ImageFormat Detect(Stream image)
    {
        var position = image.Position;
        try
        {
            image.Seek(0, SeekOrigin.Begin);
            var head = new byte[Math.Min(image.Length, 64 << 10)];
            var n = image.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            return Detect(head.AsSpan(0, n));
        }
        finally
        {
            image.Position = position;
        }
    }

    private static bool InflatedHeadIsArm64(ReadOnlySpan<byte> gz)
    {
        try
        {
            using var gzip = new GZipStream(new MemoryStream(gz.ToArray(), writable: false), CompressionMode.Decompress);
            Span<byte> header = stackalloc byte[ImageHeader.Size];
            return gzip.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) == header.Length
                && BinaryPrimitives.ReadUInt32LittleEndian(header[0x38..]) == ImageHeader.Arm64Magic;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }
}
