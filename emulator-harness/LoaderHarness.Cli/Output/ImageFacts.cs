using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Images.Elf;
using LoaderHarness.Loader.Images.Image;
using LoaderHarness.Loader.Images.Uki;
using LoaderHarness.Loader.Images.Zboot;

namespace LoaderHarness.Cli.Output;

/// <summary>Every header fact of an image, named after the spec's fields in camelCase.</summary>
public static class ImageFacts
{
    /// <summary>
    /// Describes <paramref name="file"/> (a mapped file is read only where its headers are) after the facts in
    /// <paramref name="start"/> (<see cref="ReportSchema.Start"/>); throws LoaderException for malformed headers.
    /// </summary>
    public static Facts Describe(ReadOnlyMemory<byte> file, Facts? start = null)
    {
        var image = file.Span;
        var format = ImageDetector.Detect(image);
        var facts = (start ?? new Facts()).Add("format", format).Add("fileSize", (ulong)image.Length);
        return format switch
        {
            ImageFormat.Elf => Elf(facts, ElfKernel.Parse(image)),
            ImageFormat.BzImage => BzImage(facts, file),
            ImageFormat.Arm64Image or ImageFormat.Riscv64Image or ImageFormat.Arm64ImageGzip => PeImage(facts, ImageKernel.Open(image).Kernel),
            ImageFormat.Uki => Uki(facts, file),
            ImageFormat.Zboot => Zboot(facts, image),
            _ => throw ImageDetector.Unrecognized(image),
        };
    }

    /// <summary>A unified kernel image: its parts, then the facts of the kernel in <c>.linux</c> (innerFormat names it).</summary>
    private static Facts Uki(Facts facts, ReadOnlyMemory<byte> file)
    {
        var uki = UkiImage.Parse(file);
        var inner = Describe(uki.Linux);
        facts.Add("innerFormat", ImageDetector.DetectInner(file.Span))
            .Add("uki", new Facts()
                .Add("linuxSize", (ulong)uki.Linux.Length)
                .Add("initrdSize", uki.Initrd is { } i ? (ulong)i.Length : null)
                .Add("cmdline", uki.CommandLine)
                .Add("uname", uki.Uname)
                .Add("osRelease", uki.OsRelease is { } o ? OsReleaseName(o) : null)
                .Add("dtbSize", uki.Dtb is { } d ? (ulong)d.Length : null)
                .Add("machine", uki.Table.Machine)
                .Add("sections", uki.Table.Sections.Select(s => new Facts()
                    .Add("name", s.Name).Add("offset", s.PointerToRawData).Add("size", s.ContentLength)).ToArray()));
        return facts.AddAll(inner, "format", "fileSize", "innerFormat");
    }

    /// <summary>An EFI zboot image: its header, then the facts of the decompressed Image.</summary>
    private static Facts Zboot(Facts facts, ReadOnlySpan<byte> file)
    {
        var (header, image) = ZbootImage.Inflate(file);
        facts.Add("innerFormat", header.InnerFormat)
            .Add("zboot", new Facts()
                .Add("compressionType", header.CompressionType)
                .Add("payloadOffset", header.PayloadOffset)
                .Add("payloadSize", header.PayloadSize)
                .Add("machine", header.Machine)
                .Add("inflatedSize", (ulong)image.Length));
        return PeImage(facts, ImageKernel.Parse(image));
    }

    /// <summary>os-release(5): PRETTY_NAME if present, else the first line.</summary>
    private static string OsReleaseName(string osRelease)
    {
        var lines = osRelease.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var pretty = lines.FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal));
        return pretty is not null ? pretty["PRETTY_NAME=".Length..].Trim('"') : lines.FirstOrDefault() ?? "";
    }

    private static Facts Elf(Facts facts, ElfKernel elf)
    {
        facts.Address("entry", elf.Header.Entry)
            .Address("pvhEntry", elf.PvhEntry is { } e ? (ulong)e : null)
            .Add("pvhRelocation", elf.PvhRelocation is { } r
                ? new Facts().Add("align", r.Align).Add("min", r.Min).Add("max", r.Max).Add("valuesInNote", (ulong)r.ValuesInNote)
                : null)
            .Add("segments", elf.ProgramHeaders.Select(p => new Facts()
                // elf.h PT_LOAD, PT_NOTE; other types by number only (typeValue).
                .Add("type", p.Type switch { ElfProgramHeader.TypeLoad => "load", ElfProgramHeader.TypeNote => "note", _ => "other" })
                .Add("typeValue", p.Type)
                .Add("offset", p.Offset).Address("vaddr", p.VirtualAddress).Address("paddr", p.PhysicalAddress)
                .Add("filesz", p.FileSize).Add("memsz", p.MemorySize).Add("flags", p.Flags)).ToArray());
        return facts;
    }

    private static Facts BzImage(Facts facts, ReadOnlyMemory<byte> file)
    {
        var image = file.Span;
        var kernel = BzImageKernel.Parse(image);
        var h = kernel.Header;
        var x = h.EffectiveXLoadFlags;
        string? payloadError = null;
        facts.Address("entry", h.Code32Start)
            .Address("entry64", x.HasFlag(XLoadFlags.Kernel64) ? (ulong)h.Code32Start + 0x200 : null)
            .Add("protocolVersion", h.ProtocolVersion)
            .Add("setupSects", h.SetupSects).Add("rootFlags", h.RootFlags).Add("syssize", h.SysSize)
            .Add("vidMode", h.VidMode).Add("rootDev", h.RootDev).Add("bootFlag", h.BootFlag)
            .Add("jump", h.Jump).Add("header", h.Header).Add("version", h.Version)
            .Add("realmodeSwtch", h.RealModeSwitch).Add("startSysSeg", h.StartSysSeg).Add("kernelVersion", h.KernelVersion)
            .Add("kernelVersionString", KernelVersionString(image, h))
            .Add("typeOfLoader", h.TypeOfLoader).Add("loadFlags", h.LoadFlags).Add("setupMoveSize", h.SetupMoveSize)
            .Address("code32Start", h.Code32Start).Add("ramdiskImage", h.RamdiskImage).Add("ramdiskSize", h.RamdiskSize)
            .Add("heapEndPtr", h.HeapEndPtr).Add("extLoaderVer", h.ExtLoaderVer).Add("extLoaderType", h.ExtLoaderType)
            .Add("cmdLinePtr", h.CmdLinePtr)
            .Add("initrdAddrMax", h.EffectiveInitrdAddrMax)
            .Add("kernelAlignment", h.Version >= 0x0205 ? h.KernelAlignment : null)
            .Add("relocatableKernel", h.Version >= 0x0205 ? h.RelocatableKernel != 0 : null)
            .Add("minAlignment", h.Version >= 0x020A ? h.MinAlignment : null)
            .Add("xloadflags", h.Version >= 0x020C ? h.XLoadFlags : null)
            .Add("xloadflagsNames", h.Version >= 0x020C ? XLoadFlagNames(x) : null)
            .Add("cmdlineSize", h.EffectiveCmdlineSize)
            .Add("hardwareSubarch", h.Version >= 0x0207 ? h.HardwareSubarch : null)
            .Add("payloadOffset", h.Version >= 0x0208 ? h.PayloadOffset : null)
            .Add("payloadLength", h.Version >= 0x0208 ? h.PayloadLength : null)
            .Add("payloadCompression", kernel.Payload is not null ? SafeCompression(file, out payloadError) : null)
            .Add("payloadError", payloadError)
            .Add("setupData", h.Version >= 0x0209 ? h.SetupData : null)
            .Address("prefAddress", h.Version >= 0x020A ? h.PrefAddress : null)
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

    private static string SafeCompression(ReadOnlyMemory<byte> image, out string? error)
    {
        error = null;
        try
        {
            return VmlinuxExtractor.FindPayload(image).Compression.ToString().ToLowerInvariant();
        }
        catch (Loader.Errors.LoaderException e)
        {
            error = e.Message;
            return "invalid";
        }
    }

    /// <summary>The xloadflags bits set, lowercase as bootparam.h's XLF_* names spell them (XLF_KERNEL_64 is kernel-64).</summary>
    private static string[] XLoadFlagNames(XLoadFlags flags) =>
        System.Enum.GetValues<XLoadFlags>().Where(f => f != 0 && flags.HasFlag(f)).Select(f => f switch
        {
            XLoadFlags.Kernel64 => "kernel-64",
            XLoadFlags.CanBeLoadedAbove4G => "can-be-loaded-above-4g",
            XLoadFlags.EfiHandover32 => "efi-handover-32",
            XLoadFlags.EfiHandover64 => "efi-handover-64",
            XLoadFlags.FiveLevel => "5level",
            XLoadFlags.FiveLevelEnabled => "5level-enabled",
            _ => JsonNames.Of(f),
        }).ToArray();

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
