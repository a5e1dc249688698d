using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using LoaderHarness.Emulator.Arm64.Tier2;
using LoaderHarness.Emulator.Arm64.Tier2.HostCode;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// The engine's side of the compiling tier, as the x86 engine's (<c>X86Cpu.Tiering.cs</c>): entries count
/// their executions, a hot entry is translated (<see cref="A64Translator"/>) and its compiled block runs from
/// then on, from the run loop, instead of the interpreter. Tracing keeps every instruction in the interpreter.
/// </summary>
public sealed unsafe partial class Arm64Cpu
{
    private CompiledBlockCache<A64CompiledBlock>? _blocks;
    private BackgroundCompiler<A64CompiledBlock>? _compiler;

    /// <summary>The background compiler (for tests; made here when this CPU has not used one yet).</summary>
    internal BackgroundCompiler<A64CompiledBlock> Compiler => _compiler ??= new();

    private protected override void EnsureCompiledBlocks()
        => _blocks ??= CompiledBlockCache<A64CompiledBlock>.ForEntries<A64Instruction>(CompiledBlockCapacity);

    private protected override TieringStatistics? CompiledStatistics => _blocks?.Statistics;

    /// <summary>
    /// A compiled load that missed the TLB: the interpreter's path (walk, MMIO, watches) with PC and the run's count the
    /// instruction's; false on an abort, which the block leaves to the interpreter to raise again at the instruction
    /// (<see cref="Core.Tiering.BlockFrame.EmitSlowCall"/>). The value is in <see cref="GuestCpuCore.SlowValue"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal bool TryRead(ulong va, int size, ulong pc, ulong executed)
    {
        Pc = pc;
        RunExecuted = executed;
        try
        {
            SlowValue = Read(va, size);
            return true;
        }
        catch (Arm64Abort)
        {
            return false;
        }
    }

    /// <summary>The store of <see cref="TryRead"/> (it also drops decoded and compiled code it overlaps).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal bool TryWrite(ulong va, int size, ulong value, ulong pc, ulong executed)
    {
        Pc = pc;
        RunExecuted = executed;
        try
        {
            Write(va, size, value);
            return true;
        }
        catch (Arm64Abort)
        {
            return false;
        }
    }

    /// <summary>The slot of the instruction at <paramref name="pc"/> in the fetch page, decoding it when needed; 0 when it is outside that page.</summary>
    internal int CompiledSlotAt(CodePage<A64Instruction> page, ulong pc)
    {
        if (pc >> 12 != _fetch.VirtualPage || !ReferenceEquals(page, _fetch.Page) || (pc & 3) != 0)
            return 0;
        int slot = page.SlotAt(pc);
        return slot != 0 ? slot : Decode(page, pc);
    }

    /// <summary>
    /// The slot of the instruction at <paramref name="pc"/> in the fetch page when it was decoded already, else 0.
    /// Only the run loop decodes (the translator does not), so a decoded instruction is one that has run: a block
    /// built from these holds the paths the guest took, not the error paths around them, and its JIT time is spent
    /// on code that runs.
    /// </summary>
    internal int DecodedSlotAt(CodePage<A64Instruction> page, ulong pc)
    {
        if (pc >> 12 != _fetch.VirtualPage || !ReferenceEquals(page, _fetch.Page) || (pc & 3) != 0)
            return 0;
        return page.SlotAt(pc);
    }

    /// <summary>Guest instructions of the compiled block behind <paramref name="handle"/> (an entry's <see cref="A64Instruction.Compiled"/>); int.MaxValue when there is none.</summary>
    internal int CompiledInstructionCount(int handle) => _blocks?.InstructionCountOf(handle) ?? int.MaxValue;

    /// <summary>
    /// Tiered engine, at an instruction boundary (the run loop and its chains): whether entry <paramref name="e"/> has a
    /// compiled block or has just become hot, so <see cref="TryRunCompiled"/> should run or compile it. The entry's heat is
    /// counted here, so an interpreted instruction of a cold entry makes no call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsHot(ref A64Instruction e) => e.Compiled > 0 || (e.Compiled == 0 && ++e.Heat >= CompileThreshold);

    /// <summary>
    /// From the run loop or a tiered chain, at an instruction boundary, for an entry that has a compiled block or has just become hot
    /// (the loop counts the executions of the others itself): runs the compiled block of entry <paramref name="slot"/>,
    /// compiling it when it became hot; false to interpret.
    /// </summary>
    private bool TryRunCompiled(CodePage<A64Instruction> page, int slot, ulong pc)
    {
        if (_compiler is { HasCompleted: true })
            InstallCompiled(_compiler);
        var handle = page.Entries[slot].Compiled;
        A64CompiledBlock? block = null;
        if (handle > 0)
        {
            block = _blocks!.Get(handle, page, slot);
            if (block is not null && block.HeadPc != pc)
                block = null; // the page is mapped at another address too: compiled code embeds its PC
            if (block is null && ++page.Entries[slot].Heat < CompileThreshold)
                return false;
        }
        if (block is null)
        {
            if (CompilesInBackground)
            {
                if (UsesHostCode)
                    RequestHostCompile(page, slot, pc);
                else if (RuntimeFeature.IsDynamicCodeSupported) // the analyzers' guard
                    RequestCompile(page, slot, pc);
                return false;
            }
            if (!_blocks!.MayCompile(TotalInstructions, CompileBudget, A64Block.MaxInstructions))
            {
                page.Entries[slot].Heat = 0;
                return false;
            }
            block = UsesHostCode ? A64HostTranslator.Compile(this, page, pc)
                : RuntimeFeature.IsDynamicCodeSupported ? A64Translator.Compile(this, page, pc) : null;
            if (block is null)
            {
                page.Entries[slot].Compiled = -1;
                _blocks!.Reject(A64Block.MaxInstructions); // a refused translation cost work too
                return false;
            }
            page.Entries[slot].Heat = 0;
            page.Entries[slot].Compiled = _blocks!.Add(block, page, slot);
            _blocks.AddEntries(block.ReturnEntries, page, _compiler);
        }
        if (_run.Executed + (ulong)(uint)block.HeadLength > _run.Limit)
            return false;
        _blocks!.Entries++;
        EnteringCompiled();
        block.Body();
        var retired = LeftCompiled();
        GC.KeepAlive(block); // its pinned helper instructions, which the body reads even if it dropped the block
        if (!retired)
            return false; // left before its first instruction (an abort there): the interpreter runs it and raises it
        ChainCompiled(page);
        return true;
    }

    /// <summary>
    /// Background compilation of the hot entry <paramref name="slot"/> of <paramref name="page"/> at <paramref name="pc"/>, as the
    /// x86 engine's: the block's instructions are found here, the IL and the JIT are the worker's, the entry is interpreted
    /// meanwhile and comes back every <see cref="GuestCpuCore.BackgroundPollInterval"/> executions without asking again
    /// (<see cref="BackgroundCompiler{TBlock}.Admit"/>).
    /// </summary>
    [RequiresDynamicCode("tier 2 emits IL for the JIT; the caller checks RuntimeFeature.IsDynamicCodeSupported")]
    private void RequestCompile(CodePage<A64Instruction> page, int slot, ulong pc)
    {
        ref var e = ref page.Entries[slot];
        if (AdmitToCompiler(page, slot, ref e) is not { } compiler)
            return;
        var translator = A64Translator.Prepare(this, page, pc);
        if (Found(page, slot, pc, translator?.Found))
            compiler.Submit(new(translator!.Build, page, slot, _blocks!.Clears));
    }

    /// <summary><see cref="RequestCompile"/> for host code (<see cref="A64HostTranslator"/>).</summary>
    private void RequestHostCompile(CodePage<A64Instruction> page, int slot, ulong pc)
    {
        ref var e = ref page.Entries[slot];
        if (AdmitToCompiler(page, slot, ref e) is not { } compiler)
            return;
        var block = A64HostTranslator.Prepare(this, page, pc);
        if (Found(page, slot, pc, block?.Nodes))
            compiler.Submit(new(() => A64HostTranslator.Build(this, block!), page, slot, _blocks!.Clears));
    }

    /// <summary>The background compiler when it takes entry <paramref name="slot"/> now (<see cref="GuestCpuCore.AdmitToCompiler"/>); null otherwise.</summary>
    private BackgroundCompiler<A64CompiledBlock>? AdmitToCompiler(CodePage<A64Instruction> page, int slot, ref A64Instruction e)
    {
        var compiler = Compiler;
        return AdmitToCompiler(compiler, _blocks!, page, slot, ref e.Heat, A64Block.MaxInstructions) ? compiler : null;
    }

    /// <summary>
    /// After a block was looked for at <paramref name="pc"/>: false, with the entry rejected, when none was found. The
    /// block's other entries, as hot as its head, would become blocks of their own while it is compiled (see the x86
    /// engine's HoldBack): they count afresh.
    /// </summary>
    private bool Found(CodePage<A64Instruction> page, int slot, ulong pc, IReadOnlyList<A64Node>? nodes)
    {
        if (nodes is null)
        {
            page.Entries[slot].Compiled = -1;
            _blocks!.Reject(A64Block.MaxInstructions);
            return false;
        }
        foreach (var n in nodes)
        {
            int s = page.SlotAt(n.Pc);
            if (n.Pc != pc && s != 0 && page.Entries[s].Compiled == 0)
                page.Entries[s].Heat = Math.Min(page.Entries[s].Heat, 0);
        }
        return true;
    }

    /// <summary>
    /// Installs the blocks the background compiler finished, at an instruction boundary of this CPU's thread, as the x86
    /// engine's: a block whose page was written or whose code the engine dropped while it was in flight is dropped, never
    /// run; a failed translation rejects its entry as an inline failure does.
    /// </summary>
    private void InstallCompiled(BackgroundCompiler<A64CompiledBlock> compiler)
    {
        while (compiler.TryTake(_blocks!.Clears, out var request))
        {
            var page = (CodePage<A64Instruction>)request.Page;
            ref var e = ref page.Entries[request.Slot];
            if (request.Block is not { } block)
            {
                e.Compiled = -1;
                _blocks.Reject(A64Block.MaxInstructions);
                continue;
            }
            e.Heat = 0;
            e.Compiled = _blocks.Add(block, page, request.Slot);
            _blocks.AddEntries(block.ReturnEntries, page, _compiler);
        }
    }

    /// <summary>
    /// Block chaining, as the x86 engine's: while the block just run left to an entry whose compiled block is valid at
    /// that PC, that block runs next without going back through the run loop. A call or return to another code page
    /// chains too when the instruction TLB knows that page (the loop's own fetch setup would take the same hit, and
    /// neither walks nor faults). Whatever the loop would look at first ends the chain and leaves it to the loop: a
    /// pending interrupt line, a breakpoint or stop address (marked in the entry), a code page the instruction TLB
    /// does not hold, a fetch page changed under the block, a misaligned PC, an entry not compiled (the loop counts
    /// its heat), and a stop, a break, a timer deadline or a budget the next block's first basic block would overrun
    /// (all of which lower the run's limit).
    /// </summary>
    private void ChainCompiled(CodePage<A64Instruction> page)
    {
        while (true)
        {
            var pc = Pc;
            var cell = UsesHostCode ? HostExitCell : 0;
            if (!ReferenceEquals(_fetch.Page, page) || (pc & 3) != 0 || _interruptInput is { IsAsserted: true })
                return;
            if (pc >> 12 != _fetch.VirtualPage)
            {
                if (!_fetch.TryCached(pc, default))
                    return;
                page = _fetch.Page!;
            }
            int slot = page.SlotAt(pc);
            if (slot == 0)
                return;
            ref var e = ref page.Entries[slot];
            if (e.Compiled <= 0 || e.Breakpoint)
                return;
            var next = _blocks!.Get(e.Compiled, page, slot);
            if (next is null || next.HeadPc != pc || _run.Executed + (ulong)(uint)next.HeadLength > _run.Limit)
                return;
            if (cell != 0 && next.HostCode is { } code)
            {
                LinkHostExit(cell, next, code, pc); // the host code's exit to here jumps straight in from now on
                NoteLinkTarget(pc);
            }
            _blocks.Entries++;
            _blocks.Chained++;
            EnteringCompiled();
            next.Body();
            var retired = LeftCompiled();
            GC.KeepAlive(next);
            if (!retired)
                return; // left before its first instruction: the run loop interprets it
        }
    }
}
