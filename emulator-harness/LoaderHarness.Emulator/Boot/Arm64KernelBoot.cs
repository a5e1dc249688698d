using System.Diagnostics;
using System.Text;
using LoaderHarness.Emulator.Arm64;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Loader.Symbols;

namespace LoaderHarness.Emulator.Boot;

/// <summary>
/// The arm64 way to a milestone: an Image run from its first instruction, reporting the boot-path symbols it
/// passed (from the Image's own kallsyms) and what it recorded — <c>boot_args</c> (found by recording the
/// stores <c>preserve_boot_args</c> makes), <c>__fdt_pointer</c> (the store of x0-at-entry
/// <c>__primary_switched</c> makes) and <c>boot_command_line</c> (the copy of /chosen/bootargs inside the Image).
/// </summary>
internal static class Arm64KernelBoot
{
    /// <summary>
    /// Symbols on the way to and through <c>start_kernel</c>, in the order a 6.x kernel reaches them
    /// (arch/arm64/kernel/head.S, init/main.c); absent ones (older kernels, inlined functions) are skipped.
    /// From 6.9 the idmap, the kernel mapping and the relocation are C code in arch/arm64/kernel/pi/
    /// (<c>__pi_create_init_idmap</c>, <c>__pi_early_map_kernel</c>, <c>__pi_relocate_kernel</c>).
    /// </summary>
    public static IReadOnlyList<string> BootPath { get; } =
    [
        "primary_entry", "stext", "preserve_boot_args", "__pi_create_init_idmap", "init_kernel_el", "el2_setup", "create_idmap",
        "__create_page_tables", "__cpu_setup", "__primary_switch", "__enable_mmu", "__relocate_kernel", "__pi_early_map_kernel",
        "__pi_relocate_kernel", "__primary_switched", "start_kernel", "setup_arch", "rest_init", "kernel_init", "panic",
    ];

    /// <summary>Instructions recorded after <c>preserve_boot_args</c> and <c>__primary_switched</c> start (their stores come first).</summary>
    private const ulong RecordingWindow = 48;

    /// <summary>The symbols of the Image the loader placed, recovered from guest memory when first asked for.</summary>
    public static SymbolSource SymbolsOf(GuestMemory memory, GuestSetupResult guest) => new(() => KallsymsReader.Recover(ImageIn(memory, guest)));

    private static ReadOnlySpan<byte> ImageIn(GuestMemory memory, GuestSetupResult guest)
        => memory.GetSpan(guest.Kernel.KernelLoad, (int)(guest.Kernel.KernelEnd - guest.Kernel.KernelLoad));

    /// <summary>
    /// Takes the symbols of the Image the loader placed from <paramref name="source"/> (which counts their time) and checks
    /// the stop symbol; returns how to start the session on the set-up vCPU.
    /// </summary>
    /// <exception cref="LoaderException">The Image has no kallsyms table (KallsymsNotFound), or no such symbol (UnknownSymbol).</exception>
    public static Func<IGuestCpu, IBootSession> Open(GuestMemory memory, GuestSetupResult guest, KernelBootOptions options, SymbolSource source)
    {
        var symbols = source.Measure(table => KallsymsReader.ForImage(table, ImageIn(memory, guest)));
        if (!ConsoleMilestones.IsMilestoneName(options.Until) && symbols.ImageOffsetOf(options.Until) is null)
            throw new LoaderException(LoaderError.UnknownSymbol, $"the kernel has no code symbol '{options.Until}'");
        return cpu =>
        {
            var arm64 = (Arm64Cpu)cpu;
            if (options.Trace is { } trace)
                arm64.Tracer = new Tracer(trace, pc => Locate(pc, guest, symbols) is { } at && at.Offset == 0 ? at.Symbol.Name : null, format: options.TraceFormat);
            return new Session(arm64, guest, symbols, options);
        };
    }

    /// <summary>The Image's link address (its <c>_text</c>), when the Image says.</summary>
    private static ulong? LinkAddressOf(KallsymsTable symbols) => symbols.ImageBase is { } link and not 0 ? link : null;

    /// <summary>The symbol containing <paramref name="pc"/>, physical (MMU off, idmap) or at the link address.</summary>
    private static (KernelSymbol Symbol, ulong Offset)? Locate(ulong pc, GuestSetupResult guest, KallsymsTable symbols)
    {
        var load = guest.Kernel.KernelLoad;
        var size = guest.Kernel.ClaimedEnd - load;
        var imageBase = symbols.ImageBase ?? 0;
        if (pc - load < size)
            return symbols.Symbols.Containing(imageBase + (pc - load));
        if (LinkAddressOf(symbols) is { } link && pc - link < size)
            return symbols.Symbols.Containing(pc);
        return null;
    }

    private static string Describe(ulong pc, GuestSetupResult guest, KallsymsTable symbols) =>
        Locate(pc, guest, symbols) is { } at ? $"{at.Symbol.Name}+0x{at.Offset:x}" : $"0x{pc:x}";

    /// <summary>One run: milestone stops, the two recording windows and the readback.</summary>
    private sealed class Session : IBootSession
    {
        private readonly Arm64Cpu _cpu;
        private readonly GuestSetupResult _guest;
        private readonly KernelBootOptions _options;
        private readonly KallsymsTable _symbols;
        private readonly Dictionary<ulong, string> _stops = [];
        private readonly List<BootMilestone> _milestones = [];
        private readonly ulong _imageSize;
        private Arm64KernelReadback _readback = new();
        private string? _commandLine;
        private ulong? _commandLineAddress;
        private readonly ConsoleMilestones _console;
        private readonly Stopwatch _wall = new();

        public Session(Arm64Cpu cpu, GuestSetupResult guest, KallsymsTable symbols, KernelBootOptions options)
        {
            _cpu = cpu;
            _symbols = symbols;
            _guest = guest;
            _options = options;
            _imageSize = guest.Kernel.ClaimedEnd - guest.Kernel.KernelLoad;
            // Console milestones end the run only when asked for (shutdown with the reason the line announces, as
            // on x86): otherwise the kernel ends the machine itself through PSCI SYSTEM_OFF / SYSTEM_RESET
            // (panic=-1 restarts), which the CPU reports as the stop reason.
            _console = new ConsoleMilestones(() => cpu.TotalInstructions, () => cpu.Pc, _wall, options.ConsoleEcho);
            cpu.Uart.Output.LineCompleted += _console.OnLine;
            _console.MilestoneReached += m =>
            {
                if (m.Name == options.Until)
                    cpu.RequestStop(m.Kind == BootMilestoneKind.Shutdown ? _console!.ShutdownReason ?? StopReason.AddressReached : StopReason.AddressReached, m.Line);
            };
            var until = BootPath.Contains(options.Until) ? BootPath.TakeWhile(s => s != options.Until).Append(options.Until).Append("panic") : BootPath.Append(options.Until);
            foreach (var name in until.Distinct())
            {
                if (symbols.ImageOffsetOf(name) is not { } offset)
                    continue;
                // Early code runs at its physical address; from __primary_switched on at the link address.
                AddStop(guest.Kernel.KernelLoad + offset, name);
                if (LinkAddressOf(symbols) is { } link)
                    AddStop(link + offset, name);
            }
        }

        private void AddStop(ulong pc, string name)
        {
            _stops[pc] = name;
            _cpu.AddStopAddress(pc);
        }

        public BootOutcome Run()
        {
            _wall.Start();
            var result = RunToMilestone();
            _wall.Stop();
            var readback = new KernelReadback { BootCommandLine = _commandLine, Arm64 = _readback with { BootCommandLineAddress = _commandLineAddress } };
            var milestones = _milestones.Concat(_console.Reached).OrderBy(m => m.Instructions).ToList();
            return new BootOutcome(result, milestones, readback, Describe(result.Pc, _guest, _symbols))
            {
                LinkAddress = LinkAddressOf(_symbols),
                Console = _cpu.ConsoleText,
                LastConsoleLine = _console.LastLine,
            };
        }

        /// <summary>Runs from milestone to milestone (the DTB is watched by the caller) until the stop symbol, <c>panic</c>, or another stop.</summary>
        private RunResult RunToMilestone()
        {
            var entryX0 = _cpu[0];
            RunResult? pending = null;
            while (true)
            {
                var budget = _options.MaxInstructions ?? KernelBudget.KernelAllowance;
                var left = budget - Math.Min(budget, _cpu.TotalInstructions);
                var result = pending ?? _cpu.Run(left);
                pending = null;
                if (_options.Guard is { } guard)
                    result = guard.Apply(result);
                if (result.Reason != StopReason.AddressReached || !_stops.TryGetValue(result.Pc, out var name))
                {
                    ReadCommandLine();
                    return result;
                }
                _milestones.Add(BootMilestone.Symbol(name, result.Pc, _cpu.TotalInstructions));
                foreach (var (pc, symbol) in _stops.Where(s => s.Value == name).ToArray())
                {
                    _cpu.RemoveStopAddress(pc);
                    _stops.Remove(pc);
                }
                switch (name)
                {
                    case "preserve_boot_args":
                        pending = FindBootArgs();
                        break;
                    case "__primary_switched":
                        pending = FindFdtPointer(entryX0);
                        break;
                }
                ReadCommandLine(name);
                if (name == _options.Until || name == "panic")
                    return result with { Instructions = _cpu.TotalInstructions };
            }
        }

        /// <summary>The four consecutive 64-bit stores that open <c>preserve_boot_args</c> (stp x21, x1 / stp x2, x3).</summary>
        private RunResult? FindBootArgs()
        {
            var (writes, stop) = Record();
            for (var i = 0; i + 3 < writes.Count; i++)
            {
                var a = writes[i].Physical;
                if (writes[i + 1].Physical == a + 8 && writes[i + 2].Physical == a + 16 && writes[i + 3].Physical == a + 24)
                {
                    _readback = _readback with { BootArgsAddress = a, BootArgs = ReadBootArgs(a) };
                    break;
                }
            }
            return stop;
        }

        private ulong[] ReadBootArgs(ulong at) => [.. Enumerable.Range(0, 4).Select(i => _cpu.Memory.ReadU64(at + (ulong)i * 8))];

        /// <summary>The 64-bit store of x0-at-entry that <c>__primary_switched</c> makes (<c>str_l x21, __fdt_pointer</c>).</summary>
        private RunResult? FindFdtPointer(ulong entryX0)
        {
            var value = _readback.BootArgs is { } args ? args[0] : entryX0;
            var (writes, stop) = Record();
            foreach (var write in writes)
            {
                if (write.Value != value || write.Physical == _readback.BootArgsAddress)
                    continue;
                _readback = _readback with { FdtPointerAddress = write.Physical, FdtPointer = _cpu.Memory.ReadU64(write.Physical) };
                break;
            }
            return stop;
        }

        /// <summary>
        /// Runs <see cref="RecordingWindow"/> instructions recording every access; returns the 64-bit writes, and
        /// the run's result when it ended for another reason than the window (a milestone, a fault) for the main loop.
        /// </summary>
        private (List<MemoryAccess> Writes, RunResult? Stop) Record()
        {
            var first = _cpu.RecordedAccesses.Count;
            _cpu.WatchPhysical(0, ulong.MaxValue);
            var result = _cpu.Run(RecordingWindow);
            if (_options.Guard is { } guard)
                result = guard.Apply(result);
            _cpu.UnwatchPhysical(0, ulong.MaxValue);
            var writes = _cpu.RecordedAccesses.Skip(first).Where(a => a.IsWrite && a.Size == 8).ToList();
            return (writes, result.Reason == StopReason.Budget ? null : result);
        }

        /// <summary>
        /// boot_command_line: the NUL-terminated command line inside the Image's image_size, once setup_arch copied it
        /// (from the device tree's /chosen) and before free_initmem poisons it (it is __initdata). The Image is searched
        /// only where it may be there: at the end of a run past setup_arch's entry and at the milestone <paramref name="stop"/>s
        /// after that one. Each search of the 27 MB Image took a few milliseconds, about 2 % of the boot to /init when it was
        /// made at every milestone.
        /// </summary>
        private void ReadCommandLine(string? stop = null)
        {
            if (_commandLine is not null || _guest.CommandLine.Length == 0 || _stops.ContainsValue("setup_arch") || stop == "setup_arch")
                return;
            var needle = Encoding.Latin1.GetBytes(_guest.CommandLine + "\0");
            var at = _cpu.Memory.GetSpan(_guest.Kernel.KernelLoad, (int)_imageSize).IndexOf(needle);
            if (at < 0)
                return;
            (_commandLine, _commandLineAddress) = (_guest.CommandLine, _guest.Kernel.KernelLoad + (ulong)at);
        }
    }
}
