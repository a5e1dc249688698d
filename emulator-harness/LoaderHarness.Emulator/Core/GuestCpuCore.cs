using System.Runtime.CompilerServices;
using LoaderHarness.Emulator.Core.Tiering;
using LoaderHarness.Emulator.Devices;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Emulator.Core;

/// <summary>
/// What both engines hold in the same way: guest memory and its bus, the shared physical-access layer
/// (<see cref="SoftMmu"/>) with its TLB and watches, run control with breakpoints and stop addresses, and the
/// compiling tier's settings. Decoding, execution, system state and exception entry stay per architecture
/// (<c>X86Cpu</c>, <c>Arm64Cpu</c>). Both are sealed, so their own calls of <see cref="FlushTlb"/> and
/// <see cref="InvalidateCodeCache"/> bind directly: nothing here is a virtual call per instruction.
/// </summary>
public abstract unsafe partial class GuestCpuCore
{
    private protected readonly SoftMmu _mmu;

    /// <summary>The TLB of <see cref="_mmu"/>, kept here so the fast path is one load away.</summary>
    private protected readonly TlbEntry* _tlb;

    private protected RunControl _run = new();

    private protected GuestCpuCore(GuestMemory memory, IoBus bus, CodeCache code, int compileThreshold)
    {
        Memory = memory;
        Bus = bus;
        _mmu = new SoftMmu(memory, bus, code);
        _tlb = _mmu.Tlb;
        CompileThreshold = compileThreshold;
    }

    /// <summary>Guest-physical memory.</summary>
    public GuestMemory Memory { get; }

    /// <summary>Port-I/O (x86) and MMIO devices.</summary>
    public IoBus Bus { get; }

    /// <summary>Instructions completed over the CPU's lifetime.</summary>
    public ulong TotalInstructions => _run.Total;

    /// <summary>Instructions decoded so far (cache misses), for measuring the cache.</summary>
    public ulong DecodedInstructions { get; private protected set; }

    /// <summary>Stops before executing the instruction at <paramref name="address"/> (x86 linear, arm64 virtual) with <see cref="StopReason.Breakpoint"/>.</summary>
    public void AddBreakpoint(ulong address)
    {
        if (_run.AddBreakpoint(address))
            InvalidateCodeCache();
    }

    /// <summary>Removes a breakpoint.</summary>
    public void RemoveBreakpoint(ulong address)
    {
        if (_run.RemoveBreakpoint(address))
            InvalidateCodeCache();
    }

    /// <summary>Stops when execution reaches <paramref name="address"/> (x86 linear, arm64 virtual) with <see cref="StopReason.AddressReached"/>.</summary>
    public void AddStopAddress(ulong address)
    {
        if (_run.AddStopAddress(address))
            InvalidateCodeCache();
    }

    /// <summary>Removes a stop address.</summary>
    public void RemoveStopAddress(ulong address)
    {
        if (_run.RemoveStopAddress(address))
            InvalidateCodeCache();
    }

    /// <summary>Drops every decoded instruction (needed only if guest code was changed from outside the CPU).</summary>
    public abstract void InvalidateCodeCache();

    /// <summary>Data accesses recorded inside the ranges given to <see cref="WatchPhysical"/>.</summary>
    public IReadOnlyList<MemoryAccess> RecordedAccesses => _mmu.Accesses;

    /// <summary>Records every guest data read and write touching guest-physical <c>[start, start + length)</c>.</summary>
    public void WatchPhysical(ulong start, ulong length)
    {
        _mmu.Watch(start, length);
        FlushTlb();
    }

    /// <summary>Removes the watch <see cref="WatchPhysical"/> added for the same range (recorded accesses stay).</summary>
    public void UnwatchPhysical(ulong start, ulong length)
    {
        _mmu.Unwatch(start, length);
        FlushTlb();
    }

    /// <summary>Forgets recorded accesses (the watches stay).</summary>
    public void ClearRecordedAccesses() => _mmu.Accesses.Clear();

    /// <summary>Drops every TLB entry and whatever the engine derived from the translations (fetch page, chains).</summary>
    internal abstract void FlushTlb();

    /// <summary>Whether hot code is compiled (<see cref="Engine"/>): a field, read by the run loop at every instruction boundary.</summary>
    private protected bool _tiered;

    /// <summary>
    /// How this CPU executes: the interpreter alone, or hot code compiled (<see cref="EngineTier.Tiered"/>). Compiling
    /// needs a JIT or an engine's host-code back end (<see cref="CanCompile"/>); where neither exists asking for tiered
    /// leaves the interpreter, and this reads back <see cref="EngineTier.Interpreter"/>.
    /// </summary>
    public EngineTier Engine
    {
        get => _tiered ? EngineTier.Tiered : EngineTier.Interpreter;
        set
        {
            _tiered = value == EngineTier.Tiered && CanCompile;
            if (_tiered)
                EnsureCompiledBlocks();
            _run.Break(); // the run loop and any chain of compiled blocks look at the new engine at once
        }
    }

    /// <summary>Whether this engine can compile here: with the JIT (IL back ends), or to host code where the host runs it.</summary>
    private bool CanCompile => RuntimeFeature.IsDynamicCodeSupported || HostCode.ExecutableCode.IsSupported;

    /// <summary>What the compiling tier did so far.</summary>
    public TieringStatistics Tiering => (CompiledStatistics ?? new TieringStatistics(0, 0, 0, 0, CompiledBlockCapacity, 0, 0)) with { Retired = _compiledRetired };

    /// <summary>What the run's count was when the compiled block running now was entered; <see cref="OutsideCompiled"/> otherwise.</summary>
    private ulong _blockEnteredAt = OutsideCompiled;

    private const ulong OutsideCompiled = ulong.MaxValue;

    /// <summary>Guest instructions retired by compiled code (<see cref="TieringStatistics.Retired"/>).</summary>
    private long _compiledRetired;

    /// <summary>Before a compiled block's body runs.</summary>
    private protected void EnteringCompiled() => _blockEnteredAt = _run.Executed;

    /// <summary>
    /// After a compiled block returned, and from the run's fault handler (a block that left by a guest fault, its count
    /// written back at the faulting instruction): adds what the block retired. False when it retired nothing: it left
    /// before its first instruction (a slow path met a guest fault there), which the interpreter must run next, or the
    /// loop would enter the block again forever.
    /// </summary>
    private protected bool LeftCompiled()
    {
        if (_blockEnteredAt == OutsideCompiled)
            return false;
        var retired = _run.Executed - _blockEnteredAt;
        _compiledRetired += (long)retired;
        _blockEnteredAt = OutsideCompiled;
        return retired != 0;
    }

    /// <summary>Creates the engine's compiled-block cache, unless it has one (of <see cref="CompiledBlockCapacity"/> blocks).</summary>
    private protected abstract void EnsureCompiledBlocks();

    /// <summary>The statistics of the engine's compiled-block cache; null while it has none.</summary>
    private protected abstract TieringStatistics? CompiledStatistics { get; }

    /// <summary>Executions of an entry before it is compiled (each engine's default; 1 compiles everything on first sight, for tests).</summary>
    public int CompileThreshold { get; set; }

    /// <summary>
    /// Instructions retired per guest instruction compiled (<see cref="TierPolicy.DefaultCompileBudget"/>): a hot entry
    /// waits, its heat reset, while compiling would cost more than the work done so far; 0 compiles every hot entry (tests
    /// of the tier itself).
    /// </summary>
    public int CompileBudget { get; set; } = TierPolicy.DefaultCompileBudget;

    /// <summary>
    /// Whether hot blocks are compiled on a worker thread while this CPU interprets them on (<see cref="BackgroundCompiler{TBlock}"/>),
    /// rather than on this CPU's thread when they become hot. Results, instruction counts and stops are the same either
    /// way; only when a block starts running varies, and with it the tier's statistics. Off by default, so that runs and
    /// their statistics are deterministic (the tier's own tests); worth it with a second core for the JIT to run on.
    /// </summary>
    public bool CompileInBackground { get; set; }

    /// <summary>
    /// Whether hot blocks do go to the worker thread: asked for (<see cref="CompileInBackground"/>) and compiling (both back
    /// ends, IL and host code, find a block on this thread and make it on the worker).
    /// </summary>
    public bool CompilesInBackground => CompileInBackground && _tiered;

    /// <summary>
    /// Executions of an entry in flight to the background compiler between two looks by the run loop (at which it installs
    /// finished blocks): the entry's heat is set this far below <see cref="CompileThreshold"/>.
    /// </summary>
    private protected int BackgroundPollInterval => Math.Min(CompileThreshold, 256);

    /// <summary>
    /// A hot entry's turn at the background compiler (<see cref="BackgroundCompiler{TBlock}.Admit"/>): its heat, the entry's
    /// <paramref name="heat"/>, is set to come back after <see cref="BackgroundPollInterval"/> more executions, or to count
    /// afresh when the compile budget refuses it now. True when the caller should find the block and submit it.
    /// </summary>
    private protected bool AdmitToCompiler<TBlock>(BackgroundCompiler<TBlock> compiler, CompiledBlockCache<TBlock> blocks,
        CodePage page, int slot, ref int heat, int blockLimit)
        where TBlock : class, ICompiledBlock
    {
        heat = CompileThreshold - BackgroundPollInterval;
        var admission = compiler.Admit(page, slot, blocks, TotalInstructions, CompileBudget, blockLimit);
        if (admission == CompileAdmission.Refused)
            heat = 0;
        return admission == CompileAdmission.Admitted;
    }

    /// <summary>The most compiled blocks held at once (set before the engine turns tiered).</summary>
    public int CompiledBlockCapacity { get; set; } = CompiledBlockCache<ICompiledBlock>.DefaultCapacity;

    internal TlbEntry* CompiledTlb => _tlb;

    /// <summary>
    /// The run's limit as compiled blocks read it at every budget check. A volatile read: a host timer thread lowers it
    /// to stop the run (<see cref="Boot.RunGuard"/>), and a plain read in a compiled loop that makes no call is hoisted
    /// out of the loop by the JIT, which then never sees the stop.
    /// </summary>
    internal ulong RunLimit
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Volatile.Read(ref _run.Limit);
    }

    /// <summary>The value a compiled block's load read on its slow path (the engines' TryRead), which returns only whether it completed.</summary>
    internal ulong SlowValue;

    internal ulong RunExecuted
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _run.Executed;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => _run.Executed = value;
    }
}
