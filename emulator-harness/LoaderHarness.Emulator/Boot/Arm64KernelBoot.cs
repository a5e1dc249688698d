using System.Diagnostics;
using System.Text;
using LoaderHarness.Emulator.Arm64;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images.Pe;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Boot;

/// <summary>
/// Boots a real arm64 Image in the engine from its first instruction, the way a VMM profile would start
/// it, and reports how far it got: the boot-path symbols it passed (from the Image's own kallsyms), why it
/// stopped, and what it recorded — <c>boot_args</c> (found by recording the stores
/// <c>preserve_boot_args</c> makes), <c>__fdt_pointer</c> (the store of x0-at-entry <c>__primary_switched</c>
/// makes) and <c>boot_command_line</c> (the copy of /chosen/bootargs inside the Image) — with the arm64
/// contract catalogue's verdicts.
/// </summary>
public static class Arm64KernelBoot
{
    /// <summary>
    /// Symbols on the way to and through <c>start_kernel</c>, in the order a 6.x kernel reaches them
    /// (arch/arm64/kernel/head.S, init/main.c); absent ones (older kernels, inlined functions) are skipped.
    /// </summary>
    public static IReadOnlyList<string> BootPath { get; } =
    [
        "primary_entry", "stext", "preserve_boot_args", "init_kernel_el", "el2_setup", "create_idmap", "__create_page_tables",
        "__cpu_setup", "__primary_switch", "__enable_mmu", "__relocate_kernel", "__primary_switched", "start_kernel", "setup_arch",
        "rest_init", "kernel_init", "panic",
    ];

    /// <summary>Instructions recorded after <c>preserve_boot_args</c> and <c>__primary_switched</c> start (their stores come first).</summary>
    private const ulong RecordingWindow = 48;

    /// <summary>Sets the guest up from <paramref name="image"/> (a raw or gzip-compressed Image) and runs it.</summary>
    /// <exception cref="LoaderException">The loader refused the image, or it has no kallsyms table to find symbols in.</exception>
    public static Arm64BootReport Run(ReadOnlyMemory<byte> image, Arm64KernelBootOptions options)
    {
        var (_, raw) = PeKernel.Open(image.Span);
        var symbols = Arm64KernelSymbols.TryRecover(raw)
            ?? throw new LoaderException(LoaderError.InvalidImage, "the Image has no kallsyms table (CONFIG_KALLSYMS off?): no symbols to report progress with");
        if (symbols.OffsetOf(options.Until) is null)
            throw new ArgumentException($"the kernel has no code symbol '{options.Until}'", nameof(options));
        var profile = options.Profile;
        using var memory = new GuestMemory([new GuestRegion(profile.RamBase, options.MemorySize)]);
        var guest = GuestSetup.Run(memory, new GuestSetupRequest
        {
            Kernel = raw,
            Initrd = options.Initrd,
            CommandLine = options.CommandLine,
            Protocol = BootProtocol.Arm64,
            Fdt = profile.Layout,
        });
        var cpu = new Arm64Cpu(memory);
        Arm64VcpuSetup.Apply(cpu, guest, profile);
        if (options.Trace is { } trace)
            cpu.Tracer = new Tracer(trace, pc => Locate(pc, guest, symbols) is { } at && at.Delta == 0 ? at.Symbol.Name : null);
        var boot = new Arm64BootCase(cpu, guest, profile);
        options.Mutant?.Inject(boot);
        var contracts = new List<ContractResult>(ContractCatalogue.Evaluate(boot, ContractPhase.Entry));
        var session = new Session(cpu, guest, symbols, options);
        var clock = Stopwatch.StartNew();
        var result = session.Run();
        clock.Stop();
        boot.Run = result;
        boot.Readback = session.Readback;
        contracts.AddRange(ContractCatalogue.Evaluate(boot, ContractPhase.AfterRun));
        return new Arm64BootReport
        {
            Profile = profile.Name,
            Until = options.Until,
            Milestone = session.Milestones.Any(m => m.Symbol == options.Until) ? options.Until : null,
            Milestones = session.Milestones,
            StopReason = result.Reason,
            StopLocation = Describe(result.Pc, guest, symbols),
            StopDetail = result.Detail,
            Instructions = cpu.TotalInstructions,
            WallTime = clock.Elapsed,
            DtbAddress = guest.BootStructureAddress,
            KernelLoad = guest.Kernel.KernelLoad,
            LinkAddress = symbols.LinkAddress,
            KernelReadback = session.Readback,
            Console = cpu.Uart.Text,
            Contracts = contracts,
        };
    }

    /// <summary>The symbol containing <paramref name="pc"/>, physical (MMU off, idmap) or at the link address.</summary>
    private static (Arm64KernelSymbol Symbol, ulong Delta)? Locate(ulong pc, GuestSetupResult guest, Arm64KernelSymbols symbols)
    {
        var load = guest.Kernel.KernelLoad;
        var size = guest.Kernel.ClaimedEnd - load;
        if (pc - load < size)
            return symbols.Containing(pc - load);
        if (symbols.LinkAddress is { } link && pc - link < size)
            return symbols.Containing(pc - link);
        return null;
    }

    private static string Describe(ulong pc, GuestSetupResult guest, Arm64KernelSymbols symbols) =>
        Locate(pc, guest, symbols) is { } at ? $"{at.Symbol.Name}+0x{at.Delta:x}" : $"0x{pc:x}";

    /// <summary>One run: milestone stops, the two recording windows and the readback.</summary>
    private sealed class Session
    {
        private readonly Arm64Cpu _cpu;
        private readonly GuestSetupResult _guest;
        private readonly Arm64KernelBootOptions _options;
        private readonly Dictionary<ulong, string> _stops = [];
        private readonly List<Arm64Milestone> _milestones = [];
        private readonly ulong _imageSize;

        public Session(Arm64Cpu cpu, GuestSetupResult guest, Arm64KernelSymbols symbols, Arm64KernelBootOptions options)
        {
            _cpu = cpu;
            _guest = guest;
            _options = options;
            _imageSize = guest.Kernel.ClaimedEnd - guest.Kernel.KernelLoad;
            var until = BootPath.Contains(options.Until) ? BootPath.TakeWhile(s => s != options.Until).Append(options.Until).Append("panic") : BootPath.Append(options.Until);
            foreach (var name in until.Distinct())
            {
                if (symbols.OffsetOf(name) is not { } offset)
                    continue;
                // Early code runs at its physical address; from __primary_switched on at the link address.
                AddStop(guest.Kernel.KernelLoad + offset, name);
                if (symbols.LinkAddress is { } link)
                    AddStop(link + offset, name);
            }
        }

        public IReadOnlyList<Arm64Milestone> Milestones => _milestones;

        public Arm64KernelReadback Readback { get; private set; } = new();

        private void AddStop(ulong pc, string name)
        {
            _stops[pc] = name;
            _cpu.AddStopAddress(pc);
        }

        public RunResult Run()
        {
            var dtbSize = (ulong)_guest.BootStructure.Length;
            _cpu.WatchPhysical(_guest.BootStructureAddress, dtbSize);
            var entryX0 = _cpu[0];
            RunResult? pending = null;
            while (true)
            {
                var left = _options.MaxInstructions - Math.Min(_options.MaxInstructions, _cpu.TotalInstructions);
                var result = pending ?? _cpu.Run(left);
                pending = null;
                if (result.Reason != StopReason.AddressReached || !_stops.TryGetValue(result.Pc, out var name))
                {
                    ReadCommandLine();
                    return result;
                }
                _milestones.Add(new Arm64Milestone(name, result.Pc, _cpu.TotalInstructions));
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
                ReadCommandLine();
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
                    Readback = Readback with { BootArgsAddress = a, BootArgs = ReadBootArgs(a) };
                    break;
                }
            }
            return stop;
        }

        private ulong[] ReadBootArgs(ulong at) => [.. Enumerable.Range(0, 4).Select(i => _cpu.Memory.ReadU64(at + (ulong)i * 8))];

        /// <summary>The 64-bit store of x0-at-entry that <c>__primary_switched</c> makes (<c>str_l x21, __fdt_pointer</c>).</summary>
        private RunResult? FindFdtPointer(ulong entryX0)
        {
            var value = Readback.BootArgs is { } args ? args[0] : entryX0;
            var (writes, stop) = Record();
            foreach (var write in writes)
            {
                if (write.Value != value || write.Physical == Readback.BootArgsAddress)
                    continue;
                Readback = Readback with { FdtPointerAddress = write.Physical, FdtPointer = _cpu.Memory.ReadU64(write.Physical) };
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
            _cpu.UnwatchPhysical(0, ulong.MaxValue);
            var writes = _cpu.RecordedAccesses.Skip(first).Where(a => a.IsWrite && a.Size == 8).ToList();
            return (writes, result.Reason == StopReason.Budget ? null : result);
        }

        /// <summary>boot_command_line: the NUL-terminated command line inside the Image's image_size, once setup_arch copied it.</summary>
        private void ReadCommandLine()
        {
            if (Readback.BootCommandLine is not null || _guest.CommandLine.Length == 0)
                return;
            var needle = Encoding.Latin1.GetBytes(_guest.CommandLine + "\0");
            var image = _cpu.Memory.GetSpan(_guest.Kernel.KernelLoad, (int)_imageSize);
            var at = image.IndexOf(needle);
            if (at < 0)
                return;
            Readback = Readback with { BootCommandLine = _guest.CommandLine, BootCommandLineAddress = _guest.Kernel.KernelLoad + (ulong)at };
        }
    }
}
