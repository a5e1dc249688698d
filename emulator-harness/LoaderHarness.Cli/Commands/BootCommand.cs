using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LoaderHarness.Cli.Output;
using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Loader.Symbols;

namespace LoaderHarness.Cli.Commands;

/// <summary>
/// <c>boot &lt;kernel&gt; ...</c>: set the guest up as a VMM would, run the real kernel in the engine its image
/// needs to a symbol, and report what it accepted. Exit 0 when the symbol was reached and every verdict held.
/// </summary>
internal static class BootCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var kernel = new Argument<FileInfo>("kernel") { Description = "An x86-64 vmlinux (ELF) or bzImage, or an arm64 Image / Image.gz." };
        var initrd = new Option<FileInfo?>("--initrd") { Description = "An initrd / initramfs to load with it (default: a unified kernel image's own .initrd)." };
        var cmdline = new Option<string?>("--cmdline") { Description = "The kernel command line (default: a unified kernel image's own .cmdline, else none on x86; the PL011 console and earlycon on arm64)." };
        var protocol = new Option<string>("--protocol") { Description = "auto, pvh, linux64, linux32 or linux16 (the real-mode setup code, on the harness's BIOS; an arm64 Image has one entry).", DefaultValueFactory = _ => "auto" };
        var profile = new Option<string?>("--profile")
        {
            Description = $"VMM whose layout and vCPU state to use: {string.Join(", ", VmmProfiles.Names)} (default firecracker; spec for linux32 and qemu for linux16, which Firecracker lacks; spec-el2 is arm64's).",
        };
        var systemMap = new Option<FileInfo?>("--system-map") { Description = "x86: symbols from a System.map (default: recovered from the kernel's own kallsyms)." };
        var noSymbolCache = new Option<bool>("--no-symbol-cache")
        {
            Description = "x86: recover kallsyms from the image every run instead of keeping them in $XDG_CACHE_HOME/loader-harness (else ~/.cache/loader-harness), keyed by the image's hash.",
        };
        var until = new Option<string>("--until")
        {
            Description = "Where to stop: a kernel symbol, or console (the first console line), init (\"Run /init as init process\") or shutdown (power-off, halt, restart or panic).",
            DefaultValueFactory = _ => "start_kernel",
        };
        var maxInstructions = new Option<ulong?>("--max-instructions")
        {
            Description = "Instruction budget (default: sized to the kernel, a bzImage's decompressor by its codec and init_size plus 2 G for the kernel from its entry).",
            CustomParser = r => OptionParsers.UInt64("--max-instructions")(r),
        };
        var trace = new Option<FileInfo?>("--trace") { Description = "Write every executed instruction (disassembled, with kernel symbols) to this file. Slow." };
        var traceFormat = new Option<TraceFormat>("--trace-format")
        {
            Description = "Layout of --trace: iced (default: one line per instruction, the changed registers between lines) or qemu (QEMU's -d in_asm,cpu log, one instruction per block).",
            HelpName = "iced|qemu",
            CustomParser = OptionParsers.Enum("--trace-format", TraceFormat.Iced, TraceFormat.Qemu),
        };
        var seed = new Option<ulong?>("--seed") { Description = "x86: give the CPU RDRAND/RDSEED (in CPUID too) drawing from this seed; without it they are absent and KASLR mixes only RDTSC.", CustomParser = r => OptionParsers.UInt64("--seed")(r) };
        var mem = new Option<string>("--mem") { Description = "Guest RAM size (e.g. 512M, 1G).", DefaultValueFactory = _ => "1G" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (schema: docs/schema/loader-harness.schema.json)." };
        var html = new Option<FileInfo?>("--html") { Description = "Write a self-contained HTML report (milestone timeline, memory map, verdicts with their sources, console) to this file." };
        var engine = EngineOption.Create();
        var timeout = GuardOptions.Timeout("the boot");
        var maxHostMemory = GuardOptions.MaxHostMemory("the boot");
        var console = new Option<bool>("--console") { Description = "Stream the kernel's serial console (x86 COM1, arm64 PL011) to stderr, line by line, as it runs." };
        var command = new Command("boot",
            "Boot a real Linux kernel (x86-64 or arm64) hardware-free in the engine to a symbol (start_kernel by default) and read back from its memory what it accepted.")
        {
            kernel, initrd, cmdline, protocol, profile, systemMap, noSymbolCache, until, maxInstructions, timeout, maxHostMemory, trace, traceFormat, seed, mem, json, html, console, engine,
        };
        command.SetAction(parse => CliApp.Guard(stderr, () =>
        {
            var startUp = CliApp.SinceProcessStart();
            OutputFile.CheckAll(("--html", parse.GetValue(html)));
            var memorySize = SizeParser.Parse(parse.GetValue(mem)!);
            var hostCap = GuardOptions.Cap(parse.GetValue(maxHostMemory), memorySize);
            using var mapped = MappedFile.Open(parse.GetValue(kernel)!.FullName);
            var image = mapped.Memory;
            var entry = ParseProtocol(parse.GetValue(protocol)!);
            var architecture = KernelBoot.ArchitectureOf(image.Span);
            using var traceFile = parse.GetValue(trace) is { } t ? new StreamWriter(t.FullName) : null;
            // In place on a terminal, unless the console echo shares the line.
            var progress = new BootProgressLine(stderr, ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected && !parse.GetValue(console));
            BootReport report;
            try
            {
                report = KernelBoot.Run(image, new KernelBootOptions
                {
                    Profile = parse.GetValue(profile) is { } name
                        ? VmmProfiles.Find(name, architecture) ?? throw new UsageException(UsageError.BadOption,
                            $"--profile '{name}': {architecture} profiles are {string.Join(", ", VmmProfiles.For(architecture).Select(p => p.Name))}")
                        : null,
                    Protocol = entry,
                    CommandLine = parse.GetValue(cmdline),
                    Initrd = parse.GetValue(initrd) is { } f ? new ReadOnlyMemory<byte>(InputFile.ReadAll(f.FullName)) : (ReadOnlyMemory<byte>?)null,
                    MemorySize = memorySize,
                    Timeout = parse.GetValue(timeout),
                    MaxHostMemory = hostCap,
                    Symbols = parse.GetValue(systemMap) is { } map ? SystemMapParser.Parse(InputFile.ReadAllText(map.FullName)) : null,
                    SymbolCache = parse.GetValue(noSymbolCache) || KallsymsCache.DefaultDirectory is not { } cacheDirectory
                        ? null
                        : new KallsymsCache(cacheDirectory) { Stamp = ImageFileStamp.Of(parse.GetValue(kernel)!.FullName) },
                    Until = parse.GetValue(until)!,
                    MaxInstructions = parse.GetValue(maxInstructions),
                    Engine = parse.GetValue(engine),
                    CompileInBackground = Environment.ProcessorCount > 1, // the JIT gets a core of its own; alone, it would only take turns
                    RandomSeed = parse.GetValue(seed),
                    Trace = traceFile,
                    TraceFormat = parse.GetValue(traceFormat),
                    ConsoleEcho = parse.GetValue(console) ? stderr : null,
                    Progress = progress.Report,
                });
            }
            finally
            {
                progress.Clear();
            }
            var asJson = parse.GetValue(json);
            var render = Stopwatch.StartNew();
            var facts = BootJson.Describe(report, asJson);
            var phases = report.Phases with { StartUp = startUp, Report = report.Phases.Report + render.Elapsed };
            BootJson.AddPhases(facts, phases).WriteTo(stdout, asJson);
            if (parse.GetValue(html) is { } htmlFile)
                File.WriteAllText(htmlFile.FullName, BootHtml.Write(report));
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
        "linux16" => BootProtocol.Linux16,
        _ => throw new UsageException(UsageError.BadOption, $"--protocol '{text}': expected auto, pvh, linux64, linux32 or linux16"),
    };
}
