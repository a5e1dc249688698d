using System.Diagnostics;
using System.Text;
using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Devices;
using LoaderHarness.Emulator.Devices.Time;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Loader.Boot.ZeroPage;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Loader.Symbols;

namespace LoaderHarness.Emulator.Boot;

/// <summary>
/// The x86 way to a milestone: a real x86-64 kernel from its entry to a kernel symbol, and the readback of
/// <c>boot_params</c> and <c>boot_command_line</c> at <see cref="KernelBoot.ReadbackPoints"/>.
/// <para>
/// A bzImage first runs its own decompressor, which may move the kernel (physical KASLR) and relocate it
/// (virtual KASLR). The run finds the decompressed kernel when the decompressor jumps to a 2 MiB-aligned
/// address with RAX = RIP and RSI = the zero page (arch/x86/boot/compressed/head_64.S: <c>movq %r15, %rsi;
/// jmp *%rax</c>), then watches the symbol's address at every possible 2 MiB virtual offset and accepts the one
/// that maps to the symbol's physical place in the image.
/// </para>
/// <para>
/// The guest has the PC legacy devices every x86 profile's VMM gives it (QEMU's pc/microvm models them,
/// Firecracker and Cloud Hypervisor have KVM's in-kernel 8259A pair and PIT plus their own COM1 and RTC):
/// COM1 at 0x3F8 on IRQ 4, the 8259A pair, the 8254 with port 0x61, the CMOS RTC and port 0x80. Time is
/// virtual, one TSC tick per retired instruction at <see cref="CpuIdTable.DefaultTscHz"/>: the loop runs in
/// slices up to the devices' next event, updates them between slices, and a HLT with IF set lets idle
/// cycles pass up to the next event instead of ending the run.
/// </para>
/// </summary>
internal sealed class X86BootSession : IBootSession
{
    /// <summary>CONFIG_PHYSICAL_ALIGN on x86-64 (2 MiB): the kernel's physical and virtual KASLR granularity.</summary>
    private const ulong KaslrAlign = 0x20_0000;
    /// <summary>LOAD_PHYSICAL_ADDR (CONFIG_PHYSICAL_START 16 MiB): the decompressor never puts the kernel lower.</summary>
    private const ulong LowestKernel = 0x100_0000;
    /// <summary>KERNEL_IMAGE_SIZE with RANDOMIZE_BASE (1 GiB): the range the virtual offset stays in.</summary>
    private const ulong KernelImageSize = 0x4000_0000;

    private readonly GuestMemory _memory;
    private readonly GuestSetupResult _setup;
    private readonly KernelBootOptions _options;
    private readonly X86Cpu _cpu;
    private readonly KernelLocator _locator;
    private readonly ulong _untilLink;
    private readonly bool _compressed;
    private readonly HashSet<ulong> _entrySearch = [];
    private readonly HashSet<ulong> _milestone = [];
    private readonly SymbolSource _symbols;
    private readonly ulong? _untilSymbol;
    private readonly InstructionClock _clock;
    private readonly PcLegacyDevices _devices;
    private readonly ConsoleMilestones _console;
    private readonly Stopwatch _wall = new();

    private X86BootSession(X86Cpu cpu, GuestSetupResult setup, KernelBootOptions options, SymbolSource symbols, ulong? untilSymbol)
    {
        _memory = cpu.Memory;
        _setup = setup;
        _options = options;
        _symbols = symbols;
        _cpu = cpu;
        if (options.RandomSeed is { } seed)
            _cpu.EnableRandom(seed);
        _locator = new KernelLocator(_memory, symbols);
        _untilSymbol = untilSymbol;
        _untilLink = _untilSymbol ?? 0;
        _compressed = setup.Kernel.Format == ImageFormat.BzImage;
        _clock = new InstructionClock(CpuIdTable.DefaultTscHz / 1_000_000, () => _cpu.TotalInstructions + _cpu.IdleCycles);
        _devices = new PcLegacyDevices(_clock);
        _devices.ConnectTo(_cpu);
        _console = new ConsoleMilestones(() => _cpu.TotalInstructions, Linear, _wall, options.ConsoleEcho);
        _devices.Com1.Output.LineCompleted += _console.OnLine;
        _console.MilestoneReached += m =>
        {
            if (m.Name == _options.Until || m.Kind == BootMilestoneKind.Shutdown)
                _cpu.RequestStop(_console.ShutdownReason ?? StopReason.AddressReached, m.Line);
        };
    }

    /// <summary>
    /// Checks the entry and, for a run to a kernel symbol or with symbols given up front, the symbols before anything
    /// runs; returns how to start the session on the set-up vCPU. A run to a console milestone with symbols still to
    /// recover leaves them unrecovered: only naming where it stopped asks for them, at the end.
    /// </summary>
    /// <exception cref="LoaderException">Not a PVH, 64-bit or 32-bit entry (UnsupportedEntry); no symbols, or no <c>_text</c> or stop symbol in them (UnknownSymbol).</exception>
    public static Func<IGuestCpu, IBootSession> Open(GuestSetupResult setup, KernelBootOptions options, SymbolSource? symbols)
    {
        if (setup.Protocol is not (BootProtocol.Pvh or BootProtocol.Linux64 or BootProtocol.Linux32))
            throw new LoaderException(LoaderError.UnsupportedEntry, $"the x86 engine boots PVH, 64-bit and 32-bit x86 entries, not {setup.Protocol}");
        symbols ??= options.Symbols is { } given ? new SymbolSource(given)
            : throw new LoaderException(LoaderError.UnknownSymbol, "an x86 boot needs the kernel's symbols (System.map or kallsyms)");
        ulong? untilSymbol = null;
        if (!ConsoleMilestones.IsMilestoneName(options.Until) || options.Symbols is not null)
        {
            untilSymbol = symbols.Measure(table =>
            {
                ulong? until = ConsoleMilestones.IsMilestoneName(options.Until) ? null
                    : table.AddressOf(options.Until) ?? throw new LoaderException(LoaderError.UnknownSymbol, $"stop symbol '{options.Until}' is not in the kernel's symbol table");
                if (table.AddressOf("_text") is null)
                    throw new LoaderException(LoaderError.UnknownSymbol, "the kernel's symbol table has no _text (is it an x86-64 Linux System.map?)");
                return until;
            });
        }
        return cpu => new X86BootSession((X86Cpu)cpu, setup, options, symbols, untilSymbol);
    }

    private enum Hit
    {
        Miss,
        EntryFound,
        Reached,
    }

    public BootOutcome Run()
    {
        if (_compressed)
            ArmEntrySearch();
        else
        {
            // A vmlinux runs where its lowest PT_LOAD (.text) was put, unrelocated: no virtual offset.
            ArmMilestone(_setup.Kernel.Segments.Min(s => s.GuestAddress));
            _locator.VirtualOffset = 0;
        }
        if (_options.Trace is { } trace)
            _cpu.Tracer = new Tracer(trace, linear => _locator.NameAt(_cpu, linear), _options.TraceSyntax);

        _wall.Start();
        var reached = false;
        var stepOver = false;
        var nextProgress = _options.ProgressInterval;
        RunResult last = default;
        while (true)
        {
            if (!stepOver)
            {
                var hit = Check(Linear());
                if (hit == Hit.Reached)
                {
                    reached = true;
                    break;
                }
            }
            stepOver = false;
            var used = _cpu.TotalInstructions;
            if (used >= _options.MaxInstructions)
            {
                last = new RunResult(StopReason.Budget, _cpu.Rip, 0, null);
                break;
            }
            last = _cpu.Run(Slice(used));
            _devices.Update();
            if (last.Reason == StopReason.Breakpoint)
            {
                // A watched address: the next pass checks it; a miss is stepped over.
                var hit = Check(Linear());
                if (hit == Hit.Reached)
                {
                    reached = true;
                    break;
                }
                stepOver = hit == Hit.Miss;
                continue;
            }
            if (last.Reason == StopReason.Halt && Wait())
                continue;
            if (last.Reason != StopReason.Budget)
                break;
            if (_cpu.TotalInstructions >= nextProgress)
            {
                nextProgress = _cpu.TotalInstructions + _options.ProgressInterval;
                _options.Progress?.Invoke(new BootProgress(_cpu.TotalInstructions, _wall.Elapsed, _locator.Physical is null ? "decompressor" : "kernel"));
            }
        }
        _wall.Stop();
        var milestones = new List<BootMilestone>(_console.Reached);
        if (reached)
            milestones.Add(BootMilestone.Symbol(_options.Until, Linear(), _cpu.TotalInstructions) with { Elapsed = _wall.Elapsed });
        var reachedConsole = milestones.Exists(m => m.Name == _options.Until);
        var reason = reached || (reachedConsole && _console.ShutdownReason is null) ? StopReason.AddressReached
            : _console.ShutdownReason ?? last.Reason;
        var result = new RunResult(reason, _cpu.Rip, _cpu.TotalInstructions, reached ? null : last.Detail);
        var readback = reached && KernelBoot.ReadbackPoints.Contains(_options.Until) ? ReadBack() : null;
        // A run that reached its console milestone is described by that line; naming its last PC is not worth
        // recovering the symbols for. Any other stop is named, as a failed run's first clue.
        var stopLocation = !reached && reachedConsole && !_symbols.IsRecovered ? $"0x{Linear():x}" : _locator.Describe(_cpu, Linear());
        return new BootOutcome(result, milestones, readback, stopLocation)
        {
            KernelPhysical = _locator.Physical,
            VirtualOffset = _locator.VirtualOffset,
            Console = _devices.Com1.Output.Text + _cpu.ConsoleText,
            LastConsoleLine = _console.LastLine,
        };
    }

    /// <summary>Instructions to run next: up to the next progress report, the budget and the devices' next event.</summary>
    private ulong Slice(ulong used)
    {
        var slice = Math.Min(_options.ProgressInterval, _options.MaxInstructions - used);
        var next = _devices.NextEventNanoseconds;
        if (next != long.MaxValue)
        {
            var at = _clock.InstructionsAt(next);
            var now = (long)(_cpu.TotalInstructions + _cpu.IdleCycles);
            slice = Math.Min(slice, (ulong)Math.Max(1, at - now));
        }
        return slice;
    }

    /// <summary>
    /// After HLT: with IF set the CPU waits for an interrupt, so idle cycles pass up to the devices' next event
    /// and the run goes on (true); with IF clear, or nothing left to wake it, the halt is final (false).
    /// </summary>
    private bool Wait()
    {
        if (!_cpu.InterruptsEnabled)
            return false;
        if (_cpu.InterruptPending)
            return true;
        var next = _devices.NextEventNanoseconds;
        if (next == long.MaxValue)
            return false;
        var at = _clock.InstructionsAt(next);
        var now = (long)(_cpu.TotalInstructions + _cpu.IdleCycles);
        if (at > now)
            _cpu.PassIdleCycles((ulong)(at - now));
        _devices.Update();
        return true;
    }

    private ulong Linear() => _cpu.Mode64 ? _cpu.Rip : (uint)(_cpu.GetSegment(SegmentRegister.Cs).Base + _cpu.Rip);

    /// <summary>Every 2 MiB-aligned RAM address from LOAD_PHYSICAL_ADDR below 4 GiB: where the decompressor may put the kernel.</summary>
    private void ArmEntrySearch()
    {
        for (var a = LowestKernel; a < Math.Min(_memory.End, 1UL << 32); a += KaslrAlign)
        {
            if (_memory.IsRam(a, 1) && _entrySearch.Add(a))
                _cpu.AddBreakpoint(a);
        }
    }

    /// <summary>The until-symbol's physical place in the image (identity-mapped early code) and its virtual address at every possible offset.</summary>
    private void ArmMilestone(ulong kernelPhysical)
    {
        _locator.Physical = kernelPhysical;
        if (_untilSymbol is null)
            return;
        var offsetInImage = _untilLink - _locator.Text;
        Arm(kernelPhysical + offsetInImage);
        var offsets = _compressed ? KernelImageSize / KaslrAlign : 1;
        for (ulong k = 0; k < offsets && _untilLink + k * KaslrAlign >= _untilLink; k++)
            Arm(_untilLink + k * KaslrAlign);

        void Arm(ulong linear)
        {
            if (_milestone.Add(linear))
                _cpu.AddBreakpoint(linear);
        }
    }

    private Hit Check(ulong linear)
    {
        if (_entrySearch.Contains(linear))
        {
            if (!_cpu.Mode64 || _cpu[Register.RAX] != _cpu.Rip || _cpu[Register.RSI] != _setup.BootStructureAddress
                || _locator.ToPhysical(_cpu, linear) is not { } physical)
                return Hit.Miss;
            foreach (var a in _entrySearch)
                _cpu.RemoveBreakpoint(a);
            _entrySearch.Clear();
            ArmMilestone(physical);
            return Hit.EntryFound;
        }
        if (!_milestone.Contains(linear) || _locator.ToPhysical(_cpu, linear) != _locator.Physical + (_untilLink - _locator.Text))
            return Hit.Miss;
        if (linear != _locator.Physical + (_untilLink - _locator.Text))
            _locator.VirtualOffset = linear - _untilLink;
        return Hit.Reached;
    }

    private KernelReadback? ReadBack()
    {
        var (bootParamsAt, commandLineAt, physBaseAt) = _symbols.Measure(s => (s.AddressOf("boot_params"), s.AddressOf("boot_command_line"), s.AddressOf("phys_base")));
        if (bootParamsAt is not { } bootParams || commandLineAt is not { } commandLine)
            return null;
        var page = _locator.ReadGlobal(_cpu, bootParams, BootParamsLayout.Size);
        var line = _locator.ReadGlobal(_cpu, commandLine, 2048);
        if (page is null || line is null)
            return null;
        var contents = ZeroPageContents.Read(page);
        var physBase = physBaseAt is { } at && _locator.ReadGlobal(_cpu, at, 8) is { } raw ? BitConverter.ToUInt64(raw) : (ulong?)null;
        var nul = Array.IndexOf(line, (byte)0);
        return new KernelReadback
        {
            BootCommandLine = Encoding.ASCII.GetString(line, 0, nul < 0 ? line.Length : nul),
            X86 = new X86KernelReadback
            {
                E820 = contents.E820,
                Ramdisk = (contents.InitrdAddress, contents.InitrdSize),
                TypeOfLoader = contents.Header.TypeOfLoader,
                ProtocolVersion = contents.Header.Version,
                PhysBase = physBase,
                BootParams = page,
            },
        };
    }
}
