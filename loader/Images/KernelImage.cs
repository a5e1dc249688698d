using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Images.Elf;
using LoaderHarness.Loader.Images.Image;
using LoaderHarness.Loader.Images.Uki;
using LoaderHarness.Loader.Images.Zboot;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Loader.Images;

/// <summary>
/// A kernel file recognised and parsed once: its <see cref="Format"/> and the parsed kernel of that format
/// (<see cref="Elf"/>, <see cref="BzImage"/> or <see cref="Image"/>, exactly one set). Setup and loading take
/// this instead of raw bytes, so nothing downstream detects or parses the file again. An <c>Image.gz</c> is
/// inflated here, once. A wrapper is unwrapped here too: a unified kernel image's <c>.linux</c> and an EFI zboot
/// image's decompressed Image become the kernel (<see cref="Format"/> and <see cref="Bytes"/> are the inner
/// kernel's), and <see cref="FileFormat"/>, <see cref="Uki"/> and <see cref="Zboot"/> say what wrapped it.
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
        Entries = EntriesOf(format, elf, bzImage, image);
        FileFormat = format;
    }

    /// <summary>
    /// The kernel's format: what the magic numbers say the file is, or for a wrapper (<see cref="FileFormat"/>
    /// <see cref="ImageFormat.Uki"/> or <see cref="ImageFormat.Zboot"/>) the format of the kernel inside it
    /// (never Unknown, Uki or Zboot).
    /// </summary>
    public ImageFormat Format { get; }
    /// <summary>What the file itself is: <see cref="Format"/>, or the wrapper around it (Uki, Zboot).</summary>
    public ImageFormat FileFormat { get; private init; }
    /// <summary>The unified kernel image the kernel came out of, when <see cref="FileFormat"/> is Uki.</summary>
    public UkiImage? Uki { get; private init; }
    /// <summary>The zboot header of the image the kernel was decompressed from (the file's own, or a UKI's <c>.linux</c>).</summary>
    public ZbootHeader? Zboot { get; private init; }
    /// <summary>The file as given.</summary>
    public ReadOnlyMemory<byte> File { get; }
    /// <summary>
    /// The bytes the loader copies from: the file, the inflated Image of an <c>Image.gz</c> or zboot image, or a
    /// UKI's <c>.linux</c> section (a view into the file).
    /// </summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>The initrd a unified kernel image carries (<c>.initrd</c>), used when the caller gives none.</summary>
    public ReadOnlyMemory<byte>? EmbeddedInitrd => Uki?.Initrd;
    /// <summary>The command line a unified kernel image carries (<c>.cmdline</c>), used when the caller gives none.</summary>
    public string? EmbeddedCommandLine => Uki?.CommandLine;
    /// <summary>The x86_64 vmlinux (ELF header, program headers, PVH notes) when <see cref="Format"/> is <see cref="ImageFormat.Elf"/>.</summary>
    public ElfKernel? Elf { get; }
    /// <summary>The bzImage (setup header, kernel_info) when <see cref="Format"/> is <see cref="ImageFormat.BzImage"/>.</summary>
    public BzImageKernel? BzImage { get; }
    /// <summary>The arm64 / riscv64 Image (its 64-byte header) for the Image formats.</summary>
    public ImageKernel? Image { get; }

    /// <summary>
    /// Every way this kernel can be entered, the one rule for it (each entry's condition is in
    /// <see cref="EntriesOf"/>). A vmlinux lists PVH before the 64-bit entry; a bzImage lists the 32-bit
    /// entry, then 64-bit, then real mode; an Image its architecture's only entry.
    /// </summary>
    public IReadOnlyList<BootProtocol> Entries { get; }

    /// <summary>
    /// The entry <see cref="BootProtocol.Auto"/> means: PVH when the vmlinux has the note, else the 64-bit entry
    /// when offered, else the first entry (a pre-2.12 bzImage's 32-bit entry, an Image's only one).
    /// </summary>
    public BootProtocol DefaultEntry =>
        OffersEntry(BootProtocol.Pvh) ? BootProtocol.Pvh : OffersEntry(BootProtocol.Linux64) ? BootProtocol.Linux64 : Entries[0];

    /// <summary>Whether the kernel can be entered through <paramref name="protocol"/> (never true for Auto).</summary>
    public bool OffersEntry(BootProtocol protocol) => Entries.Contains(protocol);

    /// <summary>
    /// <paramref name="requested"/> if the kernel offers it, <see cref="DefaultEntry"/> for Auto.
    /// </summary>
    /// <exception cref="LoaderException"><see cref="LoaderError.UnsupportedEntry"/>, saying which rule the kernel misses.</exception>
    public BootProtocol ChooseEntry(BootProtocol requested)
    {
        if (requested == BootProtocol.Auto)
            return DefaultEntry;
        if (OffersEntry(requested))
            return requested;
        throw new LoaderException(LoaderError.UnsupportedEntry, (Format, requested) switch
        {
            (ImageFormat.Elf, BootProtocol.Pvh) => "PVH boot asked for, but the vmlinux has no XEN_ELFNOTE_PHYS32_ENTRY note",
            (ImageFormat.Elf, _) => $"a vmlinux has no {requested} entry (only PVH and the 64-bit e_entry)",
            (ImageFormat.BzImage, BootProtocol.Linux64) =>
                $"64-bit entry needs protocol 2.12+ with XLF_KERNEL_64; this bzImage is {BzImage!.Header.ProtocolVersion}, xloadflags 0x{BzImage.Header.XLoadFlags:x}",
            (ImageFormat.BzImage, BootProtocol.Linux16) =>
                $"the real-mode entry here needs protocol 2.02+ (cmd_line_ptr); this bzImage is {BzImage!.Header.ProtocolVersion}",
            (ImageFormat.BzImage, _) => $"a bzImage has no {requested} entry (PVH needs the vmlinux ELF)",
            _ => $"an {Image!.Header.Architecture} Image cannot be booted with the {requested} protocol",
        });
    }

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
            case ImageFormat.Zboot:
                var (zboot, decompressed) = ZbootImage.Inflate(file.Span);
                return new KernelImage(zboot.InnerFormat, file, decompressed, null, null, ImageKernel.Parse(decompressed))
                {
                    FileFormat = ImageFormat.Zboot,
                    Zboot = zboot,
                };
            case ImageFormat.Uki:
                // UkiImage.Parse refuses a UKI inside a UKI, so this recursion is one level deep (two with zboot).
                var uki = UkiImage.Parse(file);
                if (ImageDetector.Detect(uki.Linux.Span) == ImageFormat.Unknown)
                    throw new LoaderException(LoaderError.UkiNestedImage,
                        $"the .linux section's {uki.Linux.Length} bytes are no kernel this loader knows ({ImageDetector.Unrecognized(uki.Linux.Span).Message})");
                var inner = Parse(uki.Linux);
                return new KernelImage(inner.Format, file, inner.Bytes, inner.Elf, inner.BzImage, inner.Image)
                {
                    FileFormat = ImageFormat.Uki,
                    Uki = uki,
                    Zboot = inner.Zboot,
                };
            default:
                throw ImageDetector.Unrecognized(file.Span);
        }
    }

    /// <summary>
    /// vmlinux: PVH with a XEN_ELFNOTE_PHYS32_ENTRY note (Xen include/public/elfnote.h; Linux
    /// arch/x86/platform/pvh/head.S), and always the 64-bit entry at e_entry (startup_64). bzImage (boot.rst):
    /// the 32-bit entry at code32_start always (protected-mode kernel, 2.00+); the 64-bit entry at load + 0x200
    /// with XLF_KERNEL_64 (2.12+); the real-mode entry at setup + 0x200 when the header has cmd_line_ptr
    /// (2.02+, which this loader's real-mode setup needs). Image: arm64 booting.rst / riscv boot.rst, one entry.
    /// </summary>
    private static BootProtocol[] EntriesOf(ImageFormat format, ElfKernel? elf, BzImageKernel? bzImage, ImageKernel? image)
    {
        switch (format)
        {
            case ImageFormat.Elf:
                return elf!.PvhEntry is not null ? [BootProtocol.Pvh, BootProtocol.Linux64] : [BootProtocol.Linux64];
            case ImageFormat.BzImage:
                var header = bzImage!.Header;
                var entries = new List<BootProtocol> { BootProtocol.Linux32 };
                if (header.EffectiveXLoadFlags.HasFlag(XLoadFlags.Kernel64))
                    entries.Add(BootProtocol.Linux64);
                if (header.HasCmdLinePtr)
                    entries.Add(BootProtocol.Linux16);
                return [.. entries];
            default:
                return [image!.Header.Architecture == ImageArchitecture.Arm64 ? BootProtocol.Arm64 : BootProtocol.Riscv64];
        }
    }
}
