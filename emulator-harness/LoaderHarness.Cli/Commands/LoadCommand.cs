using System.CommandLine;
using LoaderHarness.Cli.Output;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Cli.Commands;

/// <summary><c>load &lt;image&gt; ...</c>: the one-call guest setup, and a map of what went where.</summary>
internal static class LoadCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var image = new Argument<FileInfo>("image") { Description = "The kernel image (a unified kernel image or EFI zboot image is unwrapped first)." };
        var initrd = new Option<FileInfo?>("--initrd") { Description = "An initrd / initramfs to load with it (default: a unified kernel image's own .initrd)." };
        var cmdline = new Option<string>("--cmdline") { Description = "The kernel command line (default: a unified kernel image's own .cmdline, else none).", DefaultValueFactory = _ => "" };
        var mem = new Option<string>("--mem") { Description = "Guest RAM size, e.g. 512M, 1G, 64G (x86 RAM above 3 GiB resumes at 4 GiB).", DefaultValueFactory = _ => "1G" };
        var protocol = new Option<BootProtocol>("--protocol")
        {
            Description = "auto, linux64, linux32, linux16 (real mode), pvh, arm64 or riscv64.", DefaultValueFactory = _ => BootProtocol.Auto,
            CustomParser = OptionParsers.Enum("--protocol", BootProtocol.Auto, BootProtocol.Linux64, BootProtocol.Linux32, BootProtocol.Linux16, BootProtocol.Pvh, BootProtocol.Arm64, BootProtocol.Riscv64),
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (schema: docs/schema/loader-harness.schema.json)." };
        var structOut = new Option<FileInfo?>("--boot-struct-out") { Description = "Write the boot structure built (zero page; start_info + memmap; or the DTB) to this file." };
        var pvhRelocate = new Option<ulong?>("--pvh-relocate")
        {
            Description = "PVH, vmlinux with XEN_ELFNOTE_PHYS32_RELOC: load the image at this address (aligned, inside the note's bounds).",
            CustomParser = r => OptionParsers.UInt64("--pvh-relocate")(r),
        };
        var pvhSeed = new Option<ulong?>("--pvh-seed")
        {
            Description = "PVH, vmlinux with XEN_ELFNOTE_PHYS32_RELOC: draw the load address from every start the note and RAM allow, with this seed.",
            CustomParser = r => OptionParsers.UInt64("--pvh-seed")(r),
        };
        var initrdHigh = new Option<bool>("--initrd-above-4g") { Description = "x86: put the initrd at the top of RAM above 4 GiB (needs XLF_CAN_BE_LOADED_ABOVE_4G and the 64-bit entry, and --mem above 3G)." };
        var command = new Command("load",
            "Set up a guest as a VMM would (Firecracker / Cloud Hypervisor layouts): load kernel, initrd and command line, build the boot structure, print the memory map and the entry.")
        {
            image, initrd, cmdline, mem, protocol, json, structOut, pvhRelocate, pvhSeed, initrdHigh,
        };
        command.SetAction(parse => CliApp.Guard(stderr, () =>
        {
            using var mapped = MappedFile.Open(parse.GetValue(image)!.FullName);
            var kernel = mapped.Memory;
            var ram = SizeParser.Parse(parse.GetValue(mem)!);
            var (relocateTo, relocateSeed) = (parse.GetValue(pvhRelocate), parse.GetValue(pvhSeed));
            if (relocateTo is not null && relocateSeed is not null)
                throw new UsageException(UsageError.BadOption, "--pvh-relocate and --pvh-seed exclude each other: give an address or a seed");
            using var memory = MemoryFor(ImageDetector.DetectInner(kernel.Span), ram);
            var parsed = KernelImage.Parse(kernel);
            // A unified kernel image's own .initrd and .cmdline apply unless --initrd / --cmdline are given.
            var result = GuestSetup.Run(memory, new GuestSetupRequest
            {
                Kernel = parsed,
                Initrd = parse.GetValue(initrd) is { } f ? new ReadOnlyMemory<byte>(InputFile.ReadAll(f.FullName)) : parsed.EmbeddedInitrd,
                CommandLine = parse.GetResult(cmdline) is { Implicit: false } ? parse.GetValue(cmdline)! : parsed.EmbeddedCommandLine ?? "",
                Protocol = parse.GetValue(protocol),
                InitrdAbove4G = parse.GetValue(initrdHigh),
                PvhRelocation = relocateTo is not null || relocateSeed is not null
                    ? new PvhRelocationRequest { Address = relocateTo, Seed = relocateSeed }
                    : null,
            });
            if (parse.GetValue(structOut) is { } output)
                File.WriteAllBytes(output.FullName, result.BootStructure);
            var asJson = parse.GetValue(json);
            Describe(ReportSchema.Start("load", asJson), parsed, result, memory).WriteTo(stdout, asJson);
            return CliApp.Ok;
        }));
        return command;
    }

    /// <summary>RAM where each architecture's VMMs put it: x86 from 0 with the 3 GiB gap, arm64 at 2 GiB, riscv64 at 1 GiB.</summary>
    private static GuestMemory MemoryFor(ImageFormat format, ulong ram) => format switch
    {
        ImageFormat.Arm64Image or ImageFormat.Arm64ImageGzip => new GuestMemory([new GuestRegion(0x8000_0000, ram)]),
        ImageFormat.Riscv64Image => new GuestMemory([new GuestRegion(0x4000_0000, ram)]),
        _ => GuestMemory.WithMmioGap(ram),
    };

    private static Facts Describe(Facts facts, KernelImage kernel, GuestSetupResult r, GuestMemory memory) => facts
        .Add("format", kernel.FileFormat)
        .Add("innerFormat", kernel.FileFormat != kernel.Format ? r.Kernel.Format : null)
        .Add("protocol", r.Protocol)
        .Address("entry", r.Entry)
        .Address("bootStructureAddress", r.BootStructureAddress)
        .Add("bootStructureSize", (ulong)r.BootStructure.Length)
        .Address("kernelLoad", r.Kernel.KernelLoad)
        .Address("kernelEnd", r.Kernel.KernelEnd)
        .Address("commandLineAddress", r.CommandLineAddress)
        .Add("commandLine", r.CommandLine)
        .Add("initrd", r.Initrd is { } i ? new Facts().Address("address", i.Address).Add("size", i.Size) : null)
        .Add("ram", memory.Regions.Select(g => new Facts().Address("address", g.Start).Add("size", g.Size)).ToArray())
        .Add("placements", r.Placements.Select(p => new Facts().Add("name", p.Name).Address("address", p.Address).Add("size", p.Size)).ToArray())
        .Add("memoryMap", r.MemoryMap.Select(e => new Facts().Address("address", e.Address).Add("size", e.Size).Add("type", e.Type)).ToArray());
}
