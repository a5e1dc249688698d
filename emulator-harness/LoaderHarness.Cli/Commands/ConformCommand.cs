using System.CommandLine;
using System.Diagnostics;
using LoaderHarness.Cli.Conform;
using LoaderHarness.Emulator.Conformance;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Images;
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
        var kernel = new Option<FileInfo?>("--kernel") { Description = "Check this kernel (vmlinux or bzImage) instead of the built-in fixture kernels." };
        var initrd = new Option<FileInfo?>("--initrd") { Description = "An initrd to load with each kernel (default: a 12 KiB pattern for the fixtures, none for --kernel)." };
        var cmdline = new Option<string?>("--cmdline") { Description = "The kernel command line." };
        var protocol = new Option<BootProtocol>("--protocol")
        {
            Description = "Only this entry: pvh, linux64, linux32, linux16 (real mode) or arm64. Default: every entry the image has (real mode only for the fixtures).",
            DefaultValueFactory = _ => BootProtocol.Auto,
        };
        var profile = new Option<string>("--profile")
        {
            Description = "VMM profile: all, " + string.Join(", ", ProfileNames) + " (x86 and arm64 profiles share the VMM names).",
            DefaultValueFactory = _ => "all",
        };
        var mutants = new Option<bool?>("--mutants") { Description = "Inject the seeded faults (default: on for the fixtures, off for --kernel)." };
        var json = new Option<FileInfo?>("--json") { Description = "Write the full report as JSON to this file." };
        var junit = new Option<FileInfo?>("--junit") { Description = "Write JUnit XML (one testcase per contract per case) to this file." };
        var budget = new Option<ulong>("--max-instructions") { Description = "Instruction budget per boot.", DefaultValueFactory = _ => 1_000_000 };
        var details = new Option<bool>("--details") { Description = "Print every contract's verdict for every case." };
        var command = new Command("conform",
            "Check boot-protocol conformance hardware-free: load each kernel as each VMM profile would (x86: spec, firecracker, cloud-hypervisor, crosvm, qemu; arm64: firecracker, cloud-hypervisor, spec-el2), " +
            "set up the vCPU, check the contract catalogue on the entry state, run the kernel's entry code in the emulator, and check what it did. " +
            "With no options it runs the built-in fixture kernels and the seeded-fault mutants. Exit 0 when everything conforms and every mutant is caught, 1 otherwise, 2 for bad input.")
        {
            kernel, initrd, cmdline, protocol, profile, mutants, json, junit, budget, details,
        };
        command.SetAction(parse => CliApp.Guard(stderr, () =>
        {
            var profileName = parse.GetValue(profile)!;
            var all = profileName == "all";
            IReadOnlyList<VmmProfile> profiles = all ? VmmProfiles.X86 : VmmProfiles.Find(profileName, GuestArchitecture.X86_64) is { } p ? [p] : [];
            IReadOnlyList<VmmProfile> arm64Profiles = all ? VmmProfiles.Arm64 : VmmProfiles.Find(profileName, GuestArchitecture.Arm64) is { } a ? [a] : [];
            if (profiles.Count == 0 && arm64Profiles.Count == 0)
                throw new UsageException($"unknown profile '{profileName}' (all, {string.Join(", ", ProfileNames)})");
            var entry = parse.GetValue(protocol);
            if (entry is BootProtocol.Riscv64)
                throw new UsageException("conform checks x86 and arm64 entries; riscv64 is not executed yet");
            var userKernel = parse.GetValue(kernel);
            var kernels = userKernel is null ? EmbeddedFixtures.All() : [(userKernel.Name, File.ReadAllBytes(userKernel.FullName))];
            byte[]? initrdBytes = parse.GetValue(initrd) is { } f ? File.ReadAllBytes(f.FullName)
                : userKernel is null ? Enumerable.Range(0, 0x3000).Select(i => (byte)i).ToArray() : null;
            var cases = entry == BootProtocol.Arm64 ? [] : ConformanceMatrix.Build(kernels, profiles, entry, parse.GetValue(cmdline), initrdBytes)
                .Where(c => userKernel is null || entry != BootProtocol.Auto || c.Protocol != BootProtocol.Linux16) // a real kernel's setup code needs a BIOS
                .Select(c => c with { Budget = parse.GetValue(budget) })
                .ToList();
            var arm64Cases = entry is BootProtocol.Auto or BootProtocol.Arm64
                ? (from k in kernels
                   where ImageDetector.Detect(k.Image) is ImageFormat.Arm64Image or ImageFormat.Arm64ImageGzip
                   from ap in arm64Profiles
                   select new Arm64Case(k.Name, k.Image, ap, parse.GetValue(cmdline) ?? "console=ttyAMA0 reboot=k panic=1", parse.GetValue(budget))).ToList()
                : [];
            if (cases.Count == 0 && arm64Cases.Count == 0)
                throw new UsageException("no case to run: the image has no entry the chosen profile(s) offer");
            var withMutants = parse.GetValue(mutants) ?? userKernel is null;

            // Each architecture's faults are injected only when that architecture has cases.
            var result = Execute(cases, withMutants && cases.Count > 0 ? Mutants.All : [], arm64Cases,
                withMutants && arm64Cases.Count > 0 ? Arm64Mutants.All : [], stderr);
            ConformTable.Write(ConsoleFor(stdout), result, parse.GetValue(details));
            if (parse.GetValue(json) is { } jsonFile)
                File.WriteAllText(jsonFile.FullName, ConformJson.Write(result));
            if (parse.GetValue(junit) is { } junitFile)
                ConformJUnit.Write(result).Save(junitFile.FullName);
            return result.Success ? CliApp.Ok : CliApp.CheckFailed;
        }));
        return command;
    }

    /// <summary>An arm64 Image under one arm64 VMM profile.</summary>
    private sealed record Arm64Case(string Kernel, byte[] Image, VmmProfile Profile, string CommandLine, ulong Budget)
    {
        public ConformRow Run(Arm64Mutant? mutant = null) =>
            ConformRow.From(Arm64ConformanceRunner.Run(Kernel, Image, Profile, mutant, CommandLine, budget: Budget));
    }

    /// <summary>
    /// Runs the cases, then each mutant on every case it applies to (x86 and arm64 alike), in parallel, with a
    /// progress bar on a terminal.
    /// </summary>
    private static ConformResult Execute(IReadOnlyList<ConformanceCase> cases, IReadOnlyList<Mutant> mutants,
        IReadOnlyList<Arm64Case> arm64Cases, IReadOnlyList<Arm64Mutant> arm64Mutants, TextWriter stderr)
    {
        var clock = Stopwatch.StartNew();
        // Each job yields the row it produced and the index of the mutant it belongs to (−1: a plain case).
        var jobs = new List<Func<(int Mutant, ConformRow? Row)>>();
        jobs.AddRange(cases.Select(c => (Func<(int, ConformRow?)>)(() => (-1, ConformRow.From(ConformanceRunner.Run(c))))));
        jobs.AddRange(arm64Cases.Select(c => (Func<(int, ConformRow?)>)(() => (-1, c.Run()))));
        for (var m = 0; m < mutants.Count; m++)
        {
            var (index, mutant) = (m, mutants[m]);
            jobs.AddRange(cases.Select(c => (Func<(int, ConformRow?)>)(() =>
                (index, ConformanceRunner.Applies(c, mutant) ? ConformRow.From(ConformanceRunner.Run(c, mutant)) : null))));
        }
        for (var m = 0; m < arm64Mutants.Count; m++)
        {
            var (index, mutant) = (mutants.Count + m, arm64Mutants[m]);
            jobs.AddRange(arm64Cases.Select(c => (Func<(int, ConformRow?)>)(() => (index, c.Run(mutant)))));
        }

        var results = new (int Mutant, ConformRow? Row)[jobs.Count];
        void RunAll(Action advance) => Parallel.For(0, jobs.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            results[i] = jobs[i]();
            advance();
        });

        if (ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            console.Progress().AutoClear(true).Start(ctx =>
            {
                var task = ctx.AddTask($"{cases.Count + arm64Cases.Count} cases, {mutants.Count + arm64Mutants.Count} mutants", maxValue: jobs.Count);
                RunAll(() => task.Increment(1));
            });
        }
        else
        {
            RunAll(() => { });
        }
        var rows = results.Where(r => r.Mutant < 0).Select(r => r.Row!).ToArray();
        var descriptions = mutants.Select(m => (m.Id, m.Description)).Concat(arm64Mutants.Select(m => (m.Id, m.Description))).ToArray();
        var mutantReports = descriptions.Select((d, i) => new MutantReport(d.Id, d.Description,
            results.Where(r => r.Mutant == i && r.Row is not null).Select(r => r.Row!).OrderBy(r => r.Name, StringComparer.Ordinal).ToArray())).ToArray();
        return new ConformResult(rows, mutantReports, clock.Elapsed);
    }

    private static IEnumerable<string> ProfileNames =>
        VmmProfiles.Names;

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
