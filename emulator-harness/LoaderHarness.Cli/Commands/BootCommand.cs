using System.CommandLine;
using System.Globalization;
using LoaderHarness.Cli.Output;
using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Loader.Symbols;

namespace LoaderHarness.Cli.Commands;

/// <summary>
/// <c>boot &lt;kernel&gt; ...</c>: set the guest up as a VMM would, run the real kernel in the x86 engine to a
/// symbol, and report what it accepted (issue 5). Exit 0 when the symbol was reached and every verdict held.
/// </summary>
internal static class BootCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var kernel = new Argument<FileInfo>("kernel") { Description = "An x86-64 vmlinux (ELF) or bzImage, or an arm64 Image / Image.gz." };
        var initrd = new Option<FileInfo?>("--initrd") { Description = "An initrd / initramfs to load with it." };
        var cmdline = new Option<string>("--cmdline") { Description = "The kernel command line.", DefaultValueFactory = _ => "" };
        var protocol = new Option<string>("--protocol") { Description = "auto, pvh, linux64 or linux32 (an arm64 Image has one entry).", DefaultValueFactory = _ => "auto" };
        var profile = new Option<string?>("--profile")
        {
            Description = $"VMM whose layout and vCPU state to use: {string.Join(", ", VmmProfiles.All.Select(p => p.Name))} (default firecracker; spec for linux32, which Firecracker lacks).",
        };
        var systemMap = new Option<FileInfo?>("--system-map") { Description = "Symbols from a System.map (default: recovered from the kernel's own kallsyms)." };
        var until = new Option<string>("--until") { Description = "The symbol to stop at.", DefaultValueFactory = _ => "start_kernel" };
        var maxInstructions = new Option<ulong>("--max-instructions") { Description = "Instruction budget.", DefaultValueFactory = _ => 2_000_000_000 };
        var trace = new Option<FileInfo?>("--trace") { Description = "Write every executed instruction (Iced-formatted, with kernel symbols) to this file. Slow." };
        var seed = new Option<ulong?>("--seed") { Description = "Give the CPU RDRAND/RDSEED (in CPUID too) drawing from this seed; without it they are absent and KASLR mixes only RDTSC." };
        var mem = new Option<string>("--mem") { Description = "Guest RAM size (e.g. 512M, 1G).", DefaultValueFactory = _ => "1G" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("boot",
            "Boot a real x86-64 Linux kernel hardware-free in the engine to a symbol (start_kernel by default) and read back boot_params and boot_command_line from its memory.")
        {
            kernel, initrd, cmdline, protocol, profile, systemMap, until, maxInstructions, trace, seed, mem, json,
        };
        command.SetAction(parse => CliApp.Guard(stderr, () =>
        {
            using var mapped = MappedFile.Open(parse.GetValue(kernel)!.FullName);
            var image = mapped.Memory;
            if (ImageDetector.Detect(image.Span) is ImageFormat.Arm64Image or ImageFormat.Arm64ImageGzip)
            {
                using var arm64Trace = parse.GetValue(trace) is { } path ? new StreamWriter(path.FullName) : null;
                var arm64 = Arm64KernelBoot.Run(image, new Arm64KernelBootOptions
                {
                    Profile = parse.GetValue(profile) is { } name
                        ? Arm64VmmProfiles.Find(name) ?? throw new LoaderException(LoaderError.UnsupportedEntry,
                            $"--profile '{name}': arm64 profiles are {string.Join(", ", Arm64VmmProfiles.All.Select(p => p.Name))}")
                        : Arm64VmmProfiles.Firecracker,
                    CommandLine = parse.GetValue(cmdline) is { Length: > 0 } text ? text : new Arm64KernelBootOptions().CommandLine,
                    Initrd = parse.GetValue(initrd) is { } rd ? new ReadOnlyMemory<byte>(File.ReadAllBytes(rd.FullName)) : (ReadOnlyMemory<byte>?)null,
                    MemorySize = SizeParser.Parse(parse.GetValue(mem)!),
                    Until = parse.GetValue(until)!,
                    MaxInstructions = parse.GetValue(maxInstructions),
                    Trace = arm64Trace,
                });
                Describe(arm64).WriteTo(stdout, parse.GetValue(json));
                return arm64.Succeeded ? CliApp.Ok : CliApp.CheckFailed;
            }
            var chosen = ParseProtocol(parse.GetValue(protocol)!);
            var vmm = ChooseProfile(parse.GetValue(profile), chosen);
            var symbols = parse.GetValue(systemMap) is { } map ? SystemMapParser.Parse(File.ReadAllText(map.FullName)) : RecoverSymbols(image);
            using var memory = GuestMemory.WithMmioGap(SizeParser.Parse(parse.GetValue(mem)!));
            var setup = GuestSetup.Run(memory, vmm.Configure(new GuestSetupRequest
            {
                Kernel = image,
                Initrd = parse.GetValue(initrd) is { } f ? new ReadOnlyMemory<byte>(File.ReadAllBytes(f.FullName)) : (ReadOnlyMemory<byte>?)null,
                CommandLine = parse.GetValue(cmdline)!,
                Protocol = chosen,
            }));
            using var traceFile = parse.GetValue(trace) is { } t ? new StreamWriter(t.FullName) : null;
            var report = KernelBoot.Run(memory, setup, new KernelBootOptions
            {
                Symbols = symbols,
                Until = parse.GetValue(until)!,
                MaxInstructions = parse.GetValue(maxInstructions),
                Profile = vmm,
                RandomSeed = parse.GetValue(seed),
                Trace = traceFile,
                Progress = p => stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"boot: {p.Instructions:N0} instructions, {p.Elapsed.TotalSeconds:F1} s ({p.Phase})")),
            });
            Describe(report).WriteTo(stdout, parse.GetValue(json));
            return report.Succeeded ? CliApp.Ok : CliApp.CheckFailed;
        }));
        return command;
    }

    private static BootProtocol ParseProtocol(string text) => text.ToLowerInvariant() switch
    {
        "auto" => BootProtocol.Auto,
        "pvh" => BootProtocol.Pvh,
        "linux64" => BootProtocol.Linux64,
        "linux32" => BootProtocol.Linux32,
        _ => throw new LoaderException(LoaderError.UnsupportedEntry, $"--protocol '{text}': expected auto, pvh, linux64 or linux32"),
    };

    private static VmmProfile ChooseProfile(string? name, BootProtocol protocol)
    {
        if (name is null)
            return protocol == BootProtocol.Linux32 ? VmmProfiles.Spec : VmmProfiles.Firecracker;
        return VmmProfiles.Find(name) ?? throw new LoaderException(LoaderError.UnsupportedEntry,
            $"--profile '{name}': expected one of {string.Join(", ", VmmProfiles.All.Select(p => p.Name))}");
    }

    /// <summary>kallsyms from the vmlinux, or from the vmlinux inside a bzImage.</summary>
    private static SymbolTable RecoverSymbols(ReadOnlyMemory<byte> image) =>
        KallsymsReader.Recover(ImageDetector.Detect(image.Span) == ImageFormat.BzImage ? VmlinuxExtractor.Extract(image) : image.Span);

    private static Facts Describe(BootReport r)
    {
        var verdicts = r.Checks.Select(c => new Facts()
                .Add("id", $"readback.{c.Name}")
                .Add("verdict", c.Passed ? "pass" : "fail")
                .Add("detail", c.Passed ? c.Actual : $"{c.Actual} (expected {c.Expected})"))
            .Concat(r.Contracts.Where(c => c.Verdict != ContractVerdict.NotApplicable).Select(c => new Facts()
                .Add("id", c.Contract.Id)
                .Add("verdict", c.Verdict == ContractVerdict.Pass ? "pass" : c.IsViolation ? "fail" : "advisory")
                .Add("detail", c.Detail)))
            .ToArray();
        return new Facts()
            .Add("milestone", r.Milestone ?? "none")
            .Add("until", r.Until)
            .Add("profile", r.Profile)
            .Add("protocol", r.Protocol)
            .Add("stopReason", r.StopReason)
            .Add("stopLocation", r.StopLocation)
            .Add("stopDetail", r.StopDetail)
            .Add("instructions", (long)r.Instructions)
            .Add("wallTime", Math.Round(r.WallTime.TotalSeconds, 3))
            .Add("kernelPhysical", r.KernelPhysical)
            .Add("virtualOffset", r.VirtualOffset)
            .Add("verdicts", verdicts)
            .Add("readback", r.Readback is { } b ? new Facts()
                .Add("bootCommandLine", b.BootCommandLine)
                .Add("e820", b.E820.Select(e => new Facts().Add("address", e.Address).Add("size", e.Size).Add("type", e.Type)).ToArray())
                .Add("ramdisk", new Facts().Add("address", b.Ramdisk.Address).Add("size", b.Ramdisk.Size))
                .Add("typeOfLoader", b.TypeOfLoader)
                .Add("protocolVersion", b.ProtocolVersion) : null);
    }

    /// <summary>issue 7's JSON: milestone, stopReason, instructions, dtbAddress and kernelReadback (bootArgs, fdtPointer, bootCommandLine).</summary>
    private static Facts Describe(Arm64BootReport r) => new Facts()
        .Add("milestone", r.Milestone ?? "none")
        .Add("until", r.Until)
        .Add("profile", r.Profile)
        .Add("protocol", "Arm64")
        .Add("stopReason", r.StopReason)
        .Add("stopLocation", r.StopLocation)
        .Add("stopDetail", r.StopDetail)
        .Add("instructions", (long)r.Instructions)
        .Add("wallTime", Math.Round(r.WallTime.TotalSeconds, 3))
        .Add("dtbAddress", r.DtbAddress)
        .Add("kernelLoad", r.KernelLoad)
        .Add("verdicts", r.Contracts.Where(c => c.Verdict != ContractVerdict.NotApplicable).Select(c => new Facts()
            .Add("id", c.Contract.Id)
            .Add("verdict", c.Verdict == ContractVerdict.Pass ? "pass" : c.IsViolation ? "fail" : "advisory")
            .Add("detail", c.Detail)).ToArray())
        .Add("kernelReadback", new Facts()
            .Add("bootArgs", r.KernelReadback.BootArgs)
            .Add("fdtPointer", r.KernelReadback.FdtPointer)
            .Add("bootCommandLine", r.KernelReadback.BootCommandLine));
}
