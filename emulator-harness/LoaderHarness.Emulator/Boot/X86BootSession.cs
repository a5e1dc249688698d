using System.Diagnostics;
using System.Text;
using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Devices;
using LoaderHarness.Emulator.Devices.Time;
using LoaderHarness.Emulator.Vcpu.Bios;
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
/// (virtual KASLR). The run finds the decompressed kernel where the decompressor jumps into it
/// (<see cref="DecompressedEntry"/>: an output buffer at a <c>kernel_alignment</c> multiple plus
/// <c>startup_64</c>'s offset, with RAX = RIP and RSI = the zero page), then watches the symbol's address at every
/// possible virtual offset (<c>CONFIG_PHYSICAL_ALIGN</c> multiples within KERNEL_IMAGE_SIZE) and accepts the one
/// that maps to the symbol's physical place in the image.
/// </para>
/// <para>
/// The guest has the devices of <see cref="X86GuestDevices"/>. Time is virtual, one TSC tick per retired
/// instruction at <see cref="CpuIdTable.DefaultTscHz"/>: the loop runs in slices up to the devices' next event,
/// updates them between slices, and a HLT with IF set lets idle cycles pass up to the next event instead of
/// ending the run.
/// </para>
/// </summary>
internal sealed class X86BootSession : IBootSession
{
    /// <summary>KERNEL_IMAGE_SIZE with RANDOMIZE_BASE (1 GiB): the range the virtual offset stays in.</summary>
    private const ulong KernelImageSize = 0x4000_0000;

    private readonly GuestMemory _memory;
    private readonly GuestSetupResult _setup;
    private readonly KernelBootOptions _options;
    private readonly X86Cpu _cpu;
    private readonly KernelLocator _locator;
    private readonly ulong _untilLink;
    private readonly bool _compressed;
    private readonly DecompressedEntry? _entry;
    private readonly HashSet<ulong> _entrySearch = [];
    private readonly HashSet<ulong> _milestone = [];
    private readonly SymbolTable _symbols;
    private readonly ulong? _untilSymbol;
    private readonly InstructionClock _clock;
    private readonly PcLegacyDevices _devices;
    private readonly ConsoleMilestones _console;
    private readonly Stopwatch _wall = new();
    /// <summary>The kernel's own allowance from its entry when the budget was sized (<see cref="KernelBudget"/>), else null.</summary>
    private readonly ulong? _kernelAllowance;
    private ulong _budget;
    /// <summary>start_kernel's link address when the run goes past it to a later milestone: read back there on the way.</summary>
    private readonly ulong? _readbackLink;
    private readonly HashSet<ulong> _readbackStops = [];
    private KernelReadback? _readback;
    private BootMilestone? _readbackMilestone;
    /// <summary>
    /// The boot_params the decompressed kernel is handed in RSI: the loader's zero page, or through the 16-bit
    /// entry the one the setup code built in its own data and passes in ESI to code32_start
    /// (arch/x86/boot/pmjump.S protected_mode_jump), known once the run gets there.
    /// </summary>
    private ulong? _bootParams;
    /// <summary>code32_start, watched through the 16-bit entry to learn <see cref="_bootParams"/>; 0 for none.</summary>
    private readonly ulong _code32Start;

    private X86BootSession(X86Cpu cpu, GuestSetupResult setup, KernelBootOptions options, SymbolSource source, ulong? kernelAllowance)
    {
        var symbols = source.Table;
        _budget = options.MaxInstructions ?? KernelBudget.KernelAllowance;
        _kernelAllowance = kernelAllowance;
        _memory = cpu.Memory;
        _setup = setup;
        _options = options;
        _symbols = symbols;
        _cpu = cpu;
        if (options.RandomSeed is { } seed)
            _cpu.EnableRandom(seed);
        _locator = new KernelLocator(_memory, source);
        _untilSymbol = ConsoleMilestones.IsMilestoneName(options.Until) ? null : symbols.AddressOf(options.Until)!.Value;
        _untilLink = _untilSymbol ?? 0;
        if (!KernelBoot.ReadbackPoints.Contains(options.Until) && symbols.AddressOf("start_kernel") is { } startKernel && startKernel != _untilSymbol)
            _readbackLink = startKernel;
        _compressed = setup.Kernel.Format == ImageFormat.BzImage;
        _entry = _compressed ? DecompressedEntry.For(setup.BootStructure, symbols) : null;
        if (setup.Protocol == BootProtocol.Linux16)
            _code32Start = setup.Kernel.KernelLoad;
        else
            _bootParams = setup.BootStructureAddress;
        var devices = X86GuestDevices.Attach(_cpu, options.Profile?.X86);
        _clock = devices.Clock;
        _devices = devices.Legacy;
        _console = new ConsoleMilestones(() => _cpu.TotalInstructions, Linear, _wall, options.ConsoleEcho);
        _devices.Com1.Output.LineCompleted += _console.OnLine;
        _console.MilestoneReached += m =>
        {
            if (m.Name == _options.Until || m.Kind == BootMilestoneKind.Shutdown)
                _cpu.RequestStop(_console.ShutdownReason ?? StopReason.AddressReached, m.Line);
        };
    }

    /// <summary>Checks the entry and the symbols before anything runs; returns how to start the session on the set-up vCPU.</summary>
    /// <exception cref="LoaderException">Not a PVH, 64-bit or 32-bit entry (UnsupportedEntry); no symbols, or no <c>_text</c> or stop symbol in them (UnknownSymbol).</exception>
    /// <param name="setup">The guest as the loader set it up.</param>
    /// <param name="options">How far to run; <see cref="KernelBootOptions.MaxInstructions"/> is the whole budget.</param>
    /// <param name="source">The kernel's symbols, recovered when first asked for, and timed; else <see cref="KernelBootOptions.Symbols"/>.</param>
    /// <param name="kernelAllowance">When the budget was sized to the kernel: the kernel's share, which replaces the rest of the budget once the decompressor has jumped into the kernel.</param>
    public static Func<IGuestCpu, IBootSession> Open(GuestSetupResult setup, KernelBootOptions options, SymbolSource? source = null, ulong? kernelAllowance = null)
    {
        if (setup.Protocol is not (BootProtocol.Pvh or BootProtocol.Linux64 or BootProtocol.Linux32 or BootProtocol.Linux16))
            throw new LoaderException(LoaderError.UnsupportedEntry, $"the x86 engine boots PVH, 64-bit, 32-bit and 16-bit x86 entries, not {setup.Protocol}");
        // Every x86 run needs a few names before it starts (startup_64 to find the decompressed kernel, start_kernel
        // to read back on the way, the stop symbol): the table is recovered here, its names decoded only as looked up.
        source ??= new SymbolSource(options.Symbols ?? throw new LoaderException(LoaderError.UnknownSymbol, "an x86 boot needs the kernel's symbols (System.map or kallsyms)"));
        var symbols = source.Table;
        if (!ConsoleMilestones.IsMilestoneName(options.Until) && symbols.AddressOf(options.Until) is null)
            throw new LoaderException(LoaderError.UnknownSymbol, $"stop symbol '{options.Until}' is not in the kernel's symbol table");
        if (symbols.AddressOf("_text") is null)
            throw new LoaderException(LoaderError.UnknownSymbol, "the kernel's symbol table has no _text (is it an x86-64 Linux System.map?)");
        return cpu => new X86BootSession((X86Cpu)cpu, setup, options, source, kernelAllowance);
    }

    private enum Hit
    {
        Miss,
        EntryFound,
        Reached,
    }

    public BootOutcome Run()
    {
        if (_code32Start != 0)
            _cpu.AddBreakpoint(_code32Start);
        if (_compressed)
            ArmEntrySearch();
        else
        {
            // A vmlinux runs where its lowest PT_LOAD (.text) was put, unrelocated: no virtual offset.
            ArmMilestone(_setup.Kernel.Segments.Min(s => s.GuestAddress));
            _locator.VirtualOffset = 0;
        }
        if (_options.Trace is { } trace)
            _cpu.Tracer = new Tracer(trace, linear => _locator.NameAt(_cpu, linear), _options.TraceSyntax, _options.TraceFormat);

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
            if (used >= _budget)
            {
                last = new RunResult(StopReason.Budget, _cpu.Rip, 0, null);
                break;
            }
            last = _cpu.Run(Slice(used));
            if (_options.Guard is { } guard)
                last = guard.Apply(last);
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
                _options.Progress?.Invoke(new BootProgress(_cpu.TotalInstructions, _wall.Elapsed, Phase));
            }
        }
        _wall.Stop();
        var milestones = new List<BootMilestone>(_console.Reached);
        if (_readbackMilestone is { } passed)
            milestones.Insert(0, passed);
        if (reached)
            milestones.Add(BootMilestone.Symbol(_options.Until, Linear(), _cpu.TotalInstructions) with { Elapsed = _wall.Elapsed });
        var reachedConsole = milestones.Exists(m => m.Name == _options.Until);
        var reason = reached || (reachedConsole && _console.ShutdownReason is null) ? StopReason.AddressReached
            : _console.ShutdownReason ?? last.Reason;
        var result = new RunResult(reason, _cpu.Rip, _cpu.TotalInstructions, reached ? null : last.Detail);
        var readback = reached && KernelBoot.ReadbackPoints.Contains(_options.Until) ? ReadBack() : _readback;
        return new BootOutcome(result, milestones, readback, _locator.Describe(_cpu, Linear()))
        {
            KernelPhysical = _locator.Physical,
            VirtualOffset = _locator.VirtualOffset,
            Console = (_cpu.Firmware is PcBios bios ? bios.Teletype : "") + _devices.Com1.Output.Text + _cpu.ConsoleText,
            LastConsoleLine = _console.LastLine,
            Phase = Phase,
            Budget = _budget,
        };
    }

    /// <summary>Where the run is: in a bzImage's decompressor until it has jumped into the kernel, then in the kernel.</summary>
    private string Phase => _compressed && _locator.Physical is null ? BootOutcome.DecompressorPhase : BootOutcome.KernelPhase;

    /// <summary>Instructions to run next: up to the next progress report, the budget and the devices' next event.</summary>
    private ulong Slice(ulong used)
    {
        var slice = Math.Min(_options.ProgressInterval, _budget - used);
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

    /// <summary>Every place in RAM the decompressor may jump into the kernel (<see cref="DecompressedEntry"/>); its page tables identity-map them.</summary>
    private void ArmEntrySearch()
    {
        foreach (var a in _entry!.Candidates(_memory.End, a => _memory.IsRam(a, 1)))
        {
            if (_entrySearch.Add(a))
                _cpu.AddBreakpoint(a);
        }
    }

    /// <summary>The until-symbol's physical place in the image (identity-mapped early code) and its virtual address at every possible offset.</summary>
    private void ArmMilestone(ulong kernelPhysical)
    {
        _locator.Physical = kernelPhysical;
        if (_untilSymbol is not null)
            ArmSymbol(_untilLink, _milestone);
        if (_readbackLink is { } readback)
            ArmSymbol(readback, _readbackStops);
    }

    /// <summary>Breakpoints for the symbol at <paramref name="link"/>: its physical place in the image (identity-mapped early code) and every virtual offset.</summary>
    private void ArmSymbol(ulong link, HashSet<ulong> into)
    {
        Arm(_locator.Physical!.Value + (link - _locator.Text));
        // compressed/kaslr.c find_random_virt_addr: the virtual offset is a CONFIG_PHYSICAL_ALIGN multiple below
        // KERNEL_IMAGE_SIZE, and x86-64's CONFIG_PHYSICAL_ALIGN is a 2 MiB multiple (arch/x86/Kconfig).
        const ulong align = DecompressedEntry.DefaultAlignment;
        var offsets = _compressed ? KernelImageSize / align : 1;
        for (ulong k = 0; k < offsets && link + k * align >= link; k++)
            Arm(link + k * align);

        void Arm(ulong linear)
        {
            if (into.Add(linear))
                _cpu.AddBreakpoint(linear);
        }
    }

    /// <summary>
    /// On the way to a later milestone, at <c>start_kernel</c>: what the kernel accepted is read back there (after
    /// copy_bootdata, before setup_arch changes it) and the run goes on.
    /// </summary>
    private void ReadBackOnTheWay(ulong linear)
    {
        var physical = _locator.Physical!.Value + (_readbackLink!.Value - _locator.Text);
        if (linear != physical)
            _locator.VirtualOffset = linear - _readbackLink.Value;
        _readback = ReadBack();
        _readbackMilestone = BootMilestone.Symbol("start_kernel", linear, _cpu.TotalInstructions) with { Elapsed = _wall.Elapsed };
        foreach (var a in _readbackStops)
        {
            if (!_milestone.Contains(a))
                _cpu.RemoveBreakpoint(a);
        }
        _readbackStops.Clear();
    }

    private Hit Check(ulong linear)
    {
        if (linear == _code32Start && _bootParams is null && (_cpu.Cr0 & ControlBits.Cr0Pe) != 0 && !_cpu.Mode64)
        {
            _bootParams = (uint)_cpu[Register.ESI];
            _cpu.RemoveBreakpoint(_code32Start);
            return Hit.Miss;
        }
        if (_entrySearch.Contains(linear))
        {
            if (!_cpu.Mode64 || _cpu[Register.RAX] != _cpu.Rip || _cpu[Register.RSI] != _bootParams
                || _locator.ToPhysical(_cpu, linear) is not { } physical)
                return Hit.Miss;
            foreach (var a in _entrySearch)
                _cpu.RemoveBreakpoint(a);
            _entrySearch.Clear();
            ArmMilestone(_entry!.OutputOf(physical));
            // A sized budget gives the kernel its own allowance from here, whatever the decompressor left over.
            if (_kernelAllowance is { } allowance)
                _budget = Math.Min(_budget, _cpu.TotalInstructions + allowance);
            return Hit.EntryFound;
        }
        if (_readbackStops.Contains(linear) && _locator.ToPhysical(_cpu, linear) == _locator.Physical + (_readbackLink!.Value - _locator.Text))
        {
            ReadBackOnTheWay(linear);
            return Hit.Miss;
        }
        if (!_milestone.Contains(linear) || _locator.ToPhysical(_cpu, linear) != _locator.Physical + (_untilLink - _locator.Text))
            return Hit.Miss;
        if (linear != _locator.Physical + (_untilLink - _locator.Text))
            _locator.VirtualOffset = linear - _untilLink;
        return Hit.Reached;
    }

    private KernelReadback? ReadBack()
    {
        var symbols = _symbols;
        if (symbols.AddressOf("boot_params") is not { } bootParams || symbols.AddressOf("boot_command_line") is not { } commandLine)
            return null;
        var page = _locator.ReadGlobal(_cpu, bootParams, BootParamsLayout.Size);
        var line = _locator.ReadGlobal(_cpu, commandLine, 2048);
        if (page is null || line is null)
            return null;
        var contents = ZeroPageContents.Read(page);
        var physBase = symbols.AddressOf("phys_base") is { } at && _locator.ReadGlobal(_cpu, at, 8) is { } raw ? BitConverter.ToUInt64(raw) : (ulong?)null;
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
