using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Images.Elf;
using LoaderHarness.Loader.Images.Image;

namespace LoaderHarness.Loader.Images;

/// <summary>
/// A kernel file recognised and parsed once: its <see cref="Format"/> and the parsed kernel of that format
/// (<see cref="Elf"/>, <see cref="BzImage"/> or <see cref="Image"/>, exactly one set). Setup and loading take
/// this instead of raw bytes, so nothing downstream detects or parses the file again. An <c>Image.gz</c> is
/// inflated here, once.
/// </summary>
public sealed class KernelImage
{
    private KernelImage(ImageFormat format, ReadOnlyMemory<byte> file, ReadOnlyMemory<byte> bytes,
        ElfKernel? elf, BzImageKernel? bzImage, ImageKernel? image)
    {
        Format = format;
        File = file;
        Bytes = bytes;
        Elf = elf;
        BzImage = bzImage;
        Image = image;
    }

    /// <summary>What the magic numbers say the file is (never <see cref="ImageFormat.Unknown"/>).</summary>
    public ImageFormat Format { get; }
    /// <summary>The file as given.</summary>
    public ReadOnlyMemory<byte> File { get; }
    /// <summary>The bytes the loader copies from: the file, or the inflated Image of an <c>Image.gz</c>.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }
    /// <summary>The x86_64 vmlinux (ELF header, program headers, PVH notes) when <see cref="Format"/> is <see cref="ImageFormat.Elf"/>.</summary>
    public ElfKernel? Elf { get; }
    /// <summary>The bzImage (setup header, kernel_info) when <see cref="Format"/> is <see cref="ImageFormat.BzImage"/>.</summary>
    public BzImageKernel? BzImage { get; }
    /// <summary>The arm64 / riscv64 Image (its 64-byte header) for the Image formats.</summary>
    public ImageKernel? Image { get; }

    /// <summary>Whether the kernel is an x86 one (vmlinux or bzImage) rather than an arm64 / riscv64 Image.</summary>
    public bool IsX86 => Format is ImageFormat.Elf or ImageFormat.BzImage;

    /// <summary>
    /// Detects the format and parses the file with that format's acceptance rules; the bytes are kept, not
    /// copied (an <c>Image.gz</c> is inflated into a new array).
    /// </summary>
    /// <exception cref="LoaderException">
    /// <see cref="LoaderError.UnknownImageFormat"/> when no magic number matches; otherwise the format's own
    /// rejection (see <see cref="ElfKernel"/>, <see cref="BzImageKernel"/>, <see cref="ImageKernel"/>).
    /// </exception>
    public static KernelImage Parse(ReadOnlyMemory<byte> file)
    {
        var format = ImageDetector.Detect(file.Span);
        switch (format)
        {
            case ImageFormat.Elf:
                return new KernelImage(format, file, file, ElfKernel.Parse(file.Span), null, null);
            case ImageFormat.BzImage:
                return new KernelImage(format, file, file, null, BzImageKernel.Parse(file.Span), null);
            case ImageFormat.Arm64Image or ImageFormat.Riscv64Image:
                return new KernelImage(format, file, file, null, null, ImageKernel.Parse(file.Span));
            case ImageFormat.Arm64ImageGzip:
                var (image, inflated) = ImageKernel.Open(file.Span);
                return new KernelImage(format, file, inflated, null, null, image);
            default:
                throw new LoaderException(LoaderError.UnknownImageFormat,
                    "not an x86_64 ELF, bzImage, arm64 Image (or Image.gz) or riscv64 Image: no known magic number");
        }
    }
}
