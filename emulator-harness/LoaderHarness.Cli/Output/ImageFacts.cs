using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Images.Elf;
using LoaderHarness.Loader.Images.Image;

namespace LoaderHarness.Cli.Output;

/// <summary>Every header fact of an image, named after the spec's fields in camelCase.</summary>
public static class ImageFacts
{
    /// <summary>Describes <paramref name="file"/> (a mapped file is read only where its headers are); throws LoaderException for malformed headers.</summary>
    public static Facts Describe(ReadOnlyMemory<byte> file)
    {
        var image = file.Span;
        var format = ImageDetector.Detect(image);
        var facts = new Facts().Add("format", format).Add("fileSize", (ulong)image.Length);
        return format switch
        {
            ImageFormat.Elf => Elf(facts, ElfKernel.Parse(image)),
            ImageFormat.BzImage => BzImage(facts, file),
            ImageFormat.Arm64Image or ImageFormat.Riscv64Image or ImageFormat.Arm64ImageGzip => PeImage(facts, ImageKernel.Open(image).Kernel),
            _ => throw ImageDetector.Unrecognized(image),
        };
    }

    private static Facts Elf(Facts facts, ElfKernel elf)
    {
        facts.Add("entry", elf.Header.Entry)
            .Add("pvhEntry", elf.PvhEntry is { } e ? (ulong)e : null)
            .Add("pvhRelocation", elf.PvhRelocation is { } r
                ? new Facts().Add("align", r.Align).Add("min", r.Min).Add("max", r.Max).Add("valuesInNote", (ulong)r.ValuesInNote)
                : null)
            .Add("segments", elf.ProgramHeaders.Select(p => new Facts()
                .Add("type", p.Type switch { ElfProgramHeader.TypeLoad => "LOAD", ElfProgramHeader.TypeNote => "NOTE", _ => $"0x{p.Type:x}" })
                .Add("offset", p.Offset).Add("vaddr", p.VirtualAddress).Add("paddr", p.PhysicalAddress)
                .Add("filesz", p.FileSize).Add("memsz", p.MemorySize).Add("flags", p.Flags)).ToArray());
        return facts;
    }

    private static Facts BzImage(Facts facts, ReadOnlyMemory<byte> file)
    {
        var image = file.Span;
        var kernel = BzImageKernel.Parse(image);
        var h = kernel.Header;
        var x = h.EffectiveXLoadFlags;
        facts.Add("entry", (ulong)h.Code32Start)
            .Add("entry64", x.HasFlag(XLoadFlags.Kernel64) ? (ulong)h.Code32Start + 0x200 : null)
            .Add("protocolVersion", h.ProtocolVersion)
            .Add("setupSects", h.SetupSects).Add("rootFlags", h.RootFlags).Add("syssize", h.SysSize)
            .Add("vidMode", h.VidMode).Add("rootDev", h.RootDev).Add("bootFlag", h.BootFlag)
            .Add("jump", h.Jump).Add("header", h.Header).Add("version", h.Version)
            .Add("realmodeSwtch", h.RealModeSwitch).Add("startSysSeg", h.StartSysSeg).Add("kernelVersion", h.KernelVersion)
            .Add("kernelVersionString", KernelVersionString(image, h))
            .Add("typeOfLoader", h.TypeOfLoader).Add("loadFlags", h.LoadFlags).Add("setupMoveSize", h.SetupMoveSize)
            .Add("code32Start", h.Code32Start).Add("ramdiskImage", h.RamdiskImage).Add("ramdiskSize", h.RamdiskSize)
            .Add("heapEndPtr", h.HeapEndPtr).Add("extLoaderVer", h.ExtLoaderVer).Add("extLoaderType", h.ExtLoaderType)
            .Add("cmdLinePtr", h.CmdLinePtr)
            .Add("initrdAddrMax", h.EffectiveInitrdAddrMax)
            .Add("kernelAlignment", h.Version >= 0x0205 ? h.KernelAlignment : null)
            .Add("relocatableKernel", h.Version >= 0x0205 ? h.RelocatableKernel != 0 : null)
            .Add("minAlignment", h.Version >= 0x020A ? h.MinAlignment : null)
            .Add("xloadflags", h.Version >= 0x020C ? h.XLoadFlags : null)
            .Add("xloadflagsNames", h.Version >= 0x020C ? x.ToString().Split(", ") : null)
            .Add("cmdlineSize", h.EffectiveCmdlineSize)
            .Add("hardwareSubarch", h.Version >= 0x0207 ? h.HardwareSubarch : null)
            .Add("payloadOffset", h.Version >= 0x0208 ? h.PayloadOffset : null)
            .Add("payloadLength", h.Version >= 0x0208 ? h.PayloadLength : null)
            .Add("payloadCompression", kernel.Payload is not null ? SafeCompression(file) : null)
            .Add("setupData", h.Version >= 0x0209 ? h.SetupData : null)
            .Add("prefAddress", h.Version >= 0x020A ? h.PrefAddress : null)
            .Add("initSize", h.Version >= 0x020A ? h.InitSize : null)
            .Add("handoverOffset", h.Version >= 0x020B ? h.HandoverOffset : null)
            .Add("kernelInfoOffset", h.Version >= 0x020F ? h.KernelInfoOffset : null)
            .Add("kernelInfo", kernel.KernelInfo is { } ki
                ? new Facts().Add("size", ki.Size).Add("sizeTotal", ki.SizeTotal).Add("setupTypeMax", ki.SetupTypeMax)
                : null)
            .Add("protectedModeOffset", kernel.ProtectedModeOffset)
            .Add("protectedModeSize", kernel.ProtectedModeSize)
            .Add("trailingBytes", (ulong)image.Length - kernel.ProtectedModeOffset - kernel.ProtectedModeSize);
        return facts;
    }

    private static string? SafeCompression(ReadOnlyMemory<byte> image)
    {
        try
        {
            return VmlinuxExtractor.FindPayload(image).Compression.ToString().ToLowerInvariant();
        }
        catch (Loader.Errors.LoaderException e)
        {
            return $"invalid ({e.Message})";
        }
    }

    /// <summary>boot.rst kernel_version: a pointer, minus 0x200, to a NUL-terminated string in the setup.</summary>
    private static string? KernelVersionString(ReadOnlySpan<byte> image, SetupHeader h)
    {
        if (h.KernelVersion == 0)
            return null;
        var start = h.KernelVersion + 0x200;
        if (start >= image.Length || start >= h.ProtectedModeOffset)
            return null;
        var end = image.Slice(start, Math.Min(256, image.Length - start)).IndexOf((byte)0);
        return end < 0 ? null : System.Text.Encoding.ASCII.GetString(image.Slice(start, end));
    }

    private static Facts PeImage(Facts facts, ImageKernel kernel)
    {
        var h = kernel.Header;
        return facts.Add("architecture", h.Architecture)
            .Add("inflatedSize", kernel.WasCompressed ? kernel.FileLength : null)
            .Add("textOffset", h.TextOffset).Add("effectiveTextOffset", h.EffectiveTextOffset)
            .Add("imageSize", h.ImageSize).Add("flags", h.Flags)
            .Add("pageSize", h.PageSize)
            .Add("version", h.Architecture == ImageArchitecture.Riscv64 ? $"{h.Version >> 16}.{h.Version & 0xFFFF}" : null)
            .Add("magic", h.Magic).Add("peOffset", h.PeOffset);
    }
}
