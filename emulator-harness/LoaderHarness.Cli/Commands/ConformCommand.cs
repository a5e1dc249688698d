using System.CommandLine;
using LoaderHarness.Cli.Conform;
using LoaderHarness.Cli.Output;
using LoaderHarness.Emulator.Conformance;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Cmdline;
using LoaderHarness.Loader.Setup;
using Spectre.Console;

namespace LoaderHarness.Cli.Commands;

/// <summary>
/// <c>conform</c>: boots kernels through every entry under every VMM profile in the emulator, checks the
/// contract catalogue, and injects the seeded faults to prove the checks can fail.
/// </summary>
internal static class ConformCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var kernel = new Option<FileInfo?>("--kernel") { Description = "Check this kernel (vmlinux, bzImage or arm64 Image) instead of the built-in fixture kernels." };
        var initrd = new Option<FileInfo?>("--initrd") { Description = "An initrd to load with each kernel (default: a 12 KiB pattern for the fixtures, none for --kernel)." };
        var cmdline = new Option<string?>("--cmdline") { Description = "The kernel command line." };
        var protocol = new Option<BootProtocol>("--protocol")
        {
            Description = "Only this entry: pvh, linux64, linux32, linux16 (real mode) or arm64. Default (auto): every entry the image has (real mode only for the fixtures).",
            // No DefaultValueFactory: help would print the enum's names (Riscv64 among them); unset, the value is Auto, the enum's first.
            HelpName = "auto|pvh|linux64|linux32|linux16|arm64",
            CustomParser = OptionParsers.Enum("--protocol", BootProtocol.Auto, BootProtocol.Pvh, BootProtocol.Linux64, BootProtocol.Linux32, BootProtocol.Linux16, BootProtocol.Arm64),
        };
        var profile = new Option<string>("--profile")
        {
            Description = "VMM profile: all, " + string.Join(", ", VmmProfiles.Names) + " (x86 and arm64 profiles share the VMM names).",
            DefaultValueFactory = _ => "all",
        };
        var mutants = new Option<bool?>("--mutants") { Description = "Inject the seeded faults (default: on for the fixtures, off for --kernel)." };
        var json = new Option<FileInfo?>("--json") { Description = "Write the full report as JSON to this file (schema: docs/schema/loader-harness.schema.json)." };
        var junit = new Option<FileInfo?>("--junit") { Description = "Write JUnit XML (one testcase per contract per case, UTF-8 without BOM) to this file." };
        var junitSkipped = new Option<JUnitSkipped>("--junit-skipped")
        {
            Description = "Contracts that do not apply to a case: omit (default; listed in the suite's not-applicable property) or skip (a <skipped> testcase each).",
            // No DefaultValueFactory: help would print the enum's name ("Omit"); unset, the value is Omit, the enum's first.
            HelpName = "omit|skip",
            CustomParser = OptionParsers.Enum("--junit-skipped", JUnitSkipped.Omit, JUnitSkipped.Skip),
        };
        var html = new Option<FileInfo?>("--html") { Description = "Write a self-contained HTML report (case matrix, memory maps, verdicts with their sources, consoles) to this file." };
        var budget = new Option<ulong?>("--max-instructions")
        {
            Description = "Instruction budget per boot (default: 1 M for the fixtures; for --kernel sized to the kernel, its decompressor by codec and init_size plus 2 G from its entry).",
            CustomParser = r => OptionParsers.UInt64("--max-instructions")(r),
        };
        var until = new Option<string>("--until")
        {
            Description = "With --kernel: the milestone every case must reach, a kernel symbol or console (the first console line), init or shutdown; " +
                "a kernel that never gets there fails. The readback is taken at start_kernel on the way.",
            DefaultValueFactory = _ => "console",
        };
        var engine = EngineOption.Create();
        var timeout = GuardOptions.Timeout("each case's run");
        var maxHostMemory = GuardOptions.MaxHostMemory("each case's run");
        var details = new Option<bool>("--details") { Description = "Print every contract's verdict for every case." };
        var command = new Command("conform",
            "Check boot-protocol conformance hardware-free: load each kernel as each VMM profile would (x86: spec, firecracker, cloud-hypervisor, crosvm, qemu, microvm; arm64: firecracker, cloud-hypervisor, spec-el2), " +
            "set up the vCPU, check the contract catalogue on the entry state, run the kernel's entry code in the emulator, and check what it did. " +
            "With no options it runs the built-in fixture kernels and the seeded-fault mutants. Exit 0 when everything conforms and every mutant is caught, 1 otherwise, 2 for bad input.")
        {
            kernel, initrd, cmdline, protocol, profile, mutants, json, junit, junitSkipped, html, budget, timeout, maxHostMemory, until, details, engine,
        };
        command.SetAction(parse => CliApp.Guard(stderr, () =>
        {
            OutputFile.CheckAll(("--json", parse.GetValue(json)), ("--junit", parse.GetValue(junit)), ("--html", parse.GetValue(html)));
            var profileName = parse.GetValue(profile)!;
            var profiles = profileName == "all" ? VmmProfiles.All : VmmProfiles.Named(profileName);
            if (profiles.Count == 0)
                throw new UsageException(UsageError.BadOption, $"unknown profile '{profileName}' (all, {string.Join(", ", VmmProfiles.Names)})");
            var entry = parse.GetValue(protocol);
            // Once, before the matrix: a line no kernel accepts is bad input (exit 2), not a column of FAIL rows.
            // The largest COMMAND_LINE_SIZE among the entries conform runs.
            if (parse.GetValue(cmdline) is { } line)
                CmdlineBuilder.Build(line, Math.Max(CmdlineBuilder.X86Capacity, CmdlineBuilder.Arm64Capacity));
            var userKernel = parse.GetValue(kernel);
            var kernels = userKernel is null ? EmbeddedFixtures.All() : [(userKernel.Name, InputFile.ReadAll(userKernel.FullName, InputFile.MaxMapLength))];
            byte[]? initrdBytes = parse.GetValue(initrd) is { } f ? InputFile.ReadAll(f.FullName)
                : userKernel is null ? Enumerable.Range(0, 0x3000).Select(i => (byte)i).ToArray() : null;
            // A real kernel boots to its milestone with devices, readback and the kernel-log contracts; the fixtures run bare.
            var cases = ConformanceMatrix.Build(kernels, profiles, entry, parse.GetValue(cmdline), initrdBytes, parse.GetValue(budget),
                realMode: userKernel is null, until: userKernel is null ? null : parse.GetValue(until))
                .Select(c => c with { Engine = parse.GetValue(engine), Timeout = parse.GetValue(timeout) }).ToList();
            var hostCap = GuardOptions.Cap(parse.GetValue(maxHostMemory), cases.Count == 0 ? 0 : cases.Max(c => c.MemorySize));
            cases = [.. cases.Select(c => c with { MaxHostMemory = hostCap })];
            if (cases.Count == 0)
                throw new UsageException(UsageError.NoCaseToRun, "no case to run: the image has no entry the chosen profile(s) offer");
            var withMutants = parse.GetValue(mutants) ?? userKernel is null;

            var result = Execute(cases, withMutants ? Mutants.All : [], stderr);
            ConformTable.Write(ConsoleFor(stdout), result, parse.GetValue(details));
            if (parse.GetValue(json) is { } jsonFile)
                File.WriteAllText(jsonFile.FullName, ConformJson.Write(result));
            if (parse.GetValue(junit) is { } junitFile)
                ConformJUnit.Save(result, parse.GetValue(junitSkipped), junitFile.FullName);
            if (parse.GetValue(html) is { } htmlFile)
                File.WriteAllText(htmlFile.FullName, ConformHtml.Write(result));
            return result.Success ? CliApp.Ok : CliApp.CheckFailed;
        }));
        return command;
    }

    /// <summary>Runs the suite, with a progress bar on a terminal.</summary>
    private static ConformanceResult Execute(IReadOnlyList<ConformanceCase> cases, IReadOnlyList<Mutant> mutants, TextWriter stderr)
    {
        if (!ReferenceEquals(stderr, Console.Error) || Console.IsErrorRedirected)
            return ConformanceSuite.Run(cases, mutants);
        ConformanceResult? result = null;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        console.Progress().AutoClear(true).Start(ctx =>
        {
            var task = ctx.AddTask($"{cases.Count} cases, {ConformanceSuite.Relevant(cases, mutants).Count} mutants",
                maxValue: ConformanceSuite.CountRuns(cases, mutants));
            result = ConformanceSuite.Run(cases, mutants, () => task.Increment(1));
        });
        return result!;
    }

    /// <summary>A Spectre console over <paramref name="writer"/>: colours on a terminal, plain and 140 columns wide in files and CI logs.</summary>
    private static IAnsiConsole ConsoleFor(TextWriter writer)
    {
        var terminal = ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        if (!terminal)
            console.Profile.Width = 140;
        return console;
    }
}
