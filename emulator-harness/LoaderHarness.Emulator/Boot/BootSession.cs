using System.Diagnostics;
using System.Text;
using Iced.Intel;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Loader.Boot.ZeroPage;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Boot;

/// <summary>One <see cref="KernelBoot.Run"/>: the CPU, the watched addresses, the slices and the report.</summary>
internal sealed class BootSession
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
    private readonly BootCase _case;

    public BootSession(GuestMemory memory, GuestSetupResult setup, KernelBootOptions options)
    {
        _memory = memory;
        _setup = setup;
        _options = options;
        _cpu = new X86Cpu(memory);
        X86VcpuSetup.Apply(_cpu, setup, options.Profile);
        if (options.RandomSeed is { } seed)
            _cpu.EnableRandom(seed);
        _case = new BootCase(_cpu, setup, options.Profile);
        _locator = new KernelLocator(memory, options.Symbols);
        _untilLink = options.Symbols.AddressOf(options.Until)!.Value;
        _compressed = setup.Kernel.Format == ImageFormat.BzImage;
    }

    private enum Hit
    {
        Miss,
        EntryFound,
        Reached,
    }

    public BootReport Run()
    {
        var entryContracts = ContractCatalogue.Evaluate(_case, ContractPhase.Entry);
        _cpu.WatchPhysical(_setup.BootStructureAddress, (ulong)_setup.BootStructure.Length);
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

        var clock = Stopwatch.StartNew();
        var reached = false;
        var stepOver = false;
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
            last = _cpu.Run(Math.Min(_options.ProgressInterval, _options.MaxInstructions - used));
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
            if (last.Reason != StopReason.Budget)
                break;
            _options.Progress?.Invoke(new BootProgress(_cpu.TotalInstructions, clock.Elapsed, _locator.Physical is null ? "decompressor" : "kernel"));
        }
        clock.Stop();
        _cpu.Tracer = null;
        _options.Trace?.Flush();

        var reason = reached ? StopReason.AddressReached : last.Reason;
        _case.Run = new RunResult(reason, _cpu.Rip, _cpu.TotalInstructions, reached ? null : last.Detail);
        var readback = reached && KernelBoot.ReadbackPoints.Contains(_options.Until) ? ReadBack() : null;
        return new BootReport
        {
            Protocol = _setup.Protocol,
            Profile = _options.Profile.Name,
            Until = _options.Until,
            Milestone = reached ? _options.Until : null,
            StopReason = reason,
            StopLocation = _locator.Describe(_cpu, Linear()),
            StopDetail = reached ? null : last.Detail,
            Instructions = _cpu.TotalInstructions,
            WallTime = clock.Elapsed,
            KernelPhysical = _locator.Physical,
            VirtualOffset = _locator.VirtualOffset,
            Readback = readback,
            Checks = readback is null ? [] : BootChecks.Judge(_setup, readback),
            Contracts = [.. entryContracts, .. ContractCatalogue.Evaluate(_case, ContractPhase.AfterRun)],
        };
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

    private BootReadback? ReadBack()
    {
        var symbols = _options.Symbols;
        if (symbols.AddressOf("boot_params") is not { } bootParams || symbols.AddressOf("boot_command_line") is not { } commandLine)
            return null;
        var page = _locator.ReadGlobal(_cpu, bootParams, BootParamsLayout.Size);
        var line = _locator.ReadGlobal(_cpu, commandLine, 2048);
        if (page is null || line is null)
            return null;
        var contents = ZeroPageContents.Read(page);
        var physBase = symbols.AddressOf("phys_base") is { } at && _locator.ReadGlobal(_cpu, at, 8) is { } raw ? BitConverter.ToUInt64(raw) : (ulong?)null;
        var nul = Array.IndexOf(line, (byte)0);
        return new BootReadback
        {
            BootCommandLine = Encoding.ASCII.GetString(line, 0, nul < 0 ? line.Length : nul),
            E820 = contents.E820,
            Ramdisk = (contents.InitrdAddress, contents.InitrdSize),
            TypeOfLoader = contents.Header.TypeOfLoader,
            ProtocolVersion = contents.Header.Version,
            PhysBase = physBase,
            BootParams = page,
        };
    }
}
