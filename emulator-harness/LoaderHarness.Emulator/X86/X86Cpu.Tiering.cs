using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;
using LoaderHarness.Emulator.X86.Tier2;
using LoaderHarness.Emulator.X86.Tier2.HostCode;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// The engine's side of the compiling tier: entries count their executions, a hot entry is translated
/// (<see cref="X86Translator"/>) and its compiled block runs from then on, from the run loop, instead of the
/// interpreter's chain. Tracing and the per-instruction hook keep every instruction in the interpreter.
/// </summary>
public sealed unsafe partial class X86Cpu
{
    private CompiledBlockCache<X86CompiledBlock>? _blocks;
    private BackgroundCompiler<X86CompiledBlock>? _compiler;

    /// <summary>The background compiler (for tests; made here when this CPU has not used one yet).</summary>
    internal BackgroundCompiler<X86CompiledBlock> Compiler => _compiler ??= new();

    /// <summary>
    /// The execution shape compiled code may assume, from the mode: 64 in 64-bit mode; 32 in protected mode
    /// when CS, DS, ES and SS are flat 4 GiB segments (base 0, limit 4 GiB, usable; data segments writable
    /// and expand-up) and SS is 32-bit; 0 otherwise (nothing is compiled). Recomputed by every mode or
    /// segment change, and checked before a block is entered.
    /// </summary>
    internal int CompiledShape;

    // An eviction bumps the cache's epoch, voiding chain links to the evicted block.
    private protected override void EnsureCompiledBlocks()
        => _blocks ??= CompiledBlockCache<X86CompiledBlock>.ForEntries<DecodedInstruction>(CompiledBlockCapacity);

    private protected override TieringStatistics? CompiledStatistics => _blocks?.Statistics;

    /// <summary>A general register's slot (0–15), right shift (8 for AH..BH) and width in bytes.</summary>
    internal static (int Slot, int Shift, int Width) GprInfo(Register r)
    {
        var w = RegWidth[(int)r];
        return (RegSlot[(int)r], w == 0x81 ? 8 : 0, w & 0xF);
    }

    /// <summary>Guest instructions of the compiled block behind <paramref name="handle"/> (an entry's <see cref="DecodedInstruction.Compiled"/>); int.MaxValue when there is none.</summary>
    internal int CompiledInstructionCount(int handle) => _blocks?.InstructionCountOf(handle) ?? int.MaxValue;

    /// <summary>Recomputes <see cref="CompiledShape"/> (from <see cref="UpdateMode"/>).</summary>
    private void UpdateCompiledShape()
    {
        if (Mode64)
            CompiledShape = 64;
        else if (Bitness == 32 && Protected && !InVirtual8086 && StackSize == 4
                 && Flat(SegmentRegister.Cs, false) && Flat(SegmentRegister.Ds, true) && Flat(SegmentRegister.Es, true) && Flat(SegmentRegister.Ss, true))
            CompiledShape = 32;
        else
            CompiledShape = 0;

        bool Flat(SegmentRegister r, bool data)
        {
            ref var s = ref Seg[(int)r];
            return s.Base == 0 && s.Limit == 0xFFFF_FFFF && !s.Unusable && (!data || (s.Attributes & 0x1E) == 0x12);
        }
    }

    /// <summary>From the run loop, at an instruction boundary: runs the compiled block of entry <paramref name="slot"/>, compiling it when it became hot; false to interpret.</summary>
    private bool TryRunCompiled(CodePage<DecodedInstruction> page, int slot)
    {
        if (_compiler is { HasCompleted: true })
            InstallCompiled(_compiler);
        var handle = page.Entries[slot].Compiled;
        if (handle < 0 || CompiledShape == 0)
            return false;
        X86CompiledBlock? block = null;
        if (handle > 0)
            block = _blocks!.Get(handle, page, slot);
        if (block is null)
        {
            ref var e = ref page.Entries[slot];
            if (++e.Heat < CompileThreshold)
                return false;
            if (CompilesInBackground)
            {
                RequestCompile(page, slot);
                return false;
            }
            if (!_blocks!.MayCompile(TotalInstructions, CompileBudget, GuestBlock.MaxInstructions))
            {
                e.Heat = 0;
                return false;
            }
            block = UsesHostCode ? HostTranslator.Compile(this, Rip, e.Breakpoint, CompiledShape)
                : RuntimeFeature.IsDynamicCodeSupported ? X86Translator.Compile(this, Rip, e.Breakpoint, CompiledShape) : null;
            if (block is null)
            {
                page.Entries[slot].Compiled = -1;
                _blocks!.Reject(GuestBlock.MaxInstructions); // a refused translation cost work too
                return false;
            }
            page.Entries[slot].Compiled = _blocks!.Add(block, page, slot);
            DampInnerEntries(block, page, Mode64 ? Rip : (uint)(_csBase + Rip), _csBase);
            _blocks.AddEntries(block.ReturnEntries, page, _compiler);
        }
        if (block.Shape != CompiledShape || _run.Executed + (ulong)(uint)block.HeadLength > _run.Limit
            || !OtherPageHolds(block, ref page.Entries[slot]))
            return false;
        _blocks!.Entries++;
        _lastPage = null;
        EnteringCompiled();
        block.Body();
        if (!LeftCompiled())
            return false; // left before its first instruction (a TLB miss of host code, a fault): the interpreter runs it
        ChainCompiled(block);
        return true;
    }

    /// <summary>
    /// Block chaining (QEMU TCG's direct block chaining, ARMeilleure's translated-function calls): while the
    /// block just run left to an entry whose compiled block is valid, in the same code page or in a page the
    /// instruction TLB holds (as the interpreter's chain follows it), that block runs next without going back
    /// through the run loop. The loop's own work at an instruction boundary is done here, or the chain stops
    /// and leaves it to the loop: a pending interrupt line, a breakpoint or stop address (marked in the entry),
    /// a page the instruction TLB does not hold, an entry not compiled (the loop counts its heat), a stop, a
    /// break or a budget that the next block's first basic block would overrun. A successor found is linked to
    /// the block it follows (<see cref="X86CompiledBlock.LinkA"/>), and next time found through the link; when host
    /// code left to it through an unlinked exit, that exit's cell is filled too, and next time it jumps straight in.
    /// </summary>
    private void ChainCompiled(X86CompiledBlock from)
    {
        while (true)
        {
            var cell = UsesHostCode ? HostExitCell : 0;
            if (Rip > _fetchLimit || _interruptInput is { IsAsserted: true })
                return;
            var linear = Mode64 ? Rip : (uint)(_csBase + Rip);
            if (linear >> 12 != _fetch.VirtualPage && !TryCachedFetch(linear))
                return;
            if (_fetch.Page is not { } page)
                return;
            var next = Linked(from, linear, page);
            if (next is null)
            {
                if (cell != 0)
                    UndampJumpTarget(page, linear);
                return;
            }
            if (cell != 0)
                LinkHostExit(cell, next, next.HostCode, linear); // the host code's exit to here jumps straight in from now on
            _blocks!.Entries++;
            _blocks.Chained++;
            EnteringCompiled();
            next.Body();
            if (!LeftCompiled())
                return; // left before its first instruction: the run loop interprets it
            from = next;
        }
    }

    /// <summary>
    /// The compiled block at <paramref name="linear"/> in <paramref name="page"/> (the current fetch page) that may run
    /// next after <paramref name="from"/>: through one of <paramref name="from"/>'s links when one still holds, else
    /// looked up and linked; null when the chain must stop there.
    /// </summary>
    private X86CompiledBlock? Linked(X86CompiledBlock from, ulong linear, CodePage<DecodedInstruction> page)
    {
        var epoch = _blocks!.Epoch;
        ref var link = ref from.LinkA;
        if (!Holds(in link))
        {
            link = ref from.LinkB;
            if (!Holds(in link))
                return Link(from, linear, page);
        }
        var next = _blocks.Entered(link.Handle);
        if (next.Shape != CompiledShape || _run.Executed + (ulong)(uint)next.HeadLength > _run.Limit
            || next.OtherPage is not null && !OtherPageHolds(next, ref page.Entries[link.Slot]))
            return null;
        return next;

        bool Holds(in BlockLink l) => l.Linear == linear && ReferenceEquals(l.Page, page) && l.Generation == page.Generation && l.Epoch == epoch;
    }

    /// <summary>The chain's lookup of the block at <paramref name="linear"/> through the page's slots, its entry and the block cache; a block found is linked to <paramref name="from"/>.</summary>
    private X86CompiledBlock? Link(X86CompiledBlock from, ulong linear, CodePage<DecodedInstruction> page)
    {
        int slot = page.SlotAt(linear);
        if (slot == 0)
            return null;
        ref var e = ref page.Entries[slot];
        if (e.Compiled <= 0 || e.Breakpoint)
            return null;
        var handle = e.Compiled;
        var next = _blocks!.Get(handle, page, slot);
        if (next is null || next.Shape != CompiledShape || _run.Executed + (ulong)(uint)next.HeadLength > _run.Limit
            || !OtherPageHolds(next, ref e))
            return null;
        ref var link = ref from.ReplaceB ? ref from.LinkB : ref from.LinkA;
        from.ReplaceB = !from.ReplaceB;
        link = new BlockLink { Linear = linear, Page = page, Generation = page.Generation, Epoch = _blocks.Epoch, Slot = slot, Handle = handle };
        return next;
    }

    /// <summary>
    /// Executions an entry inside a compiled block's basic block needs, in units of <see cref="GuestCpuCore.CompileThreshold"/>, before it
    /// is compiled as a block of its own. The run loop reaches such an entry only by resuming there, after an interrupt's
    /// IRET or at a run slice's end; on the PVH kernel's run to /init about half of 1,422 compiled blocks began within 15
    /// bytes of another block's head, each JIT-compiling a copy of its block's tail. Damped, not forbidden: code jumping
    /// there from outside the block still gets it compiled, later.
    /// </summary>
    private const int InnerEntryDamping = 10;

    /// <summary>
    /// Damps the heat of the entries of the head's page (at linear <paramref name="headLinear"/>) that <paramref name="block"/> runs
    /// inside its basic blocks (<see cref="X86CompiledBlock.InnerRips"/>), with the code segment's base when it was translated.
    /// </summary>
    private void DampInnerEntries(X86CompiledBlock block, CodePage<DecodedInstruction> page, ulong headLinear, ulong csBase)
    {
        var headPage = headLinear >> 12;
        var damped = -(int)Math.Min((long)CompileThreshold * InnerEntryDamping, int.MaxValue / 2);
        foreach (var rip in block.InnerRips)
        {
            var linear = block.Shape == 64 ? rip : (uint)(csBase + rip);
            if (linear >> 12 != headPage)
                continue;
            int s = page.SlotAt(linear);
            if (s != 0 && page.Entries[s].Compiled == 0 && page.Entries[s].Heat > damped)
                page.Entries[s].Heat = damped;
        }
    }

    /// <summary>
    /// Host code just left to the entry at <paramref name="linear"/> in <paramref name="page"/>, which has no block, through
    /// an exit that may chain: the entry is a real jump target, hot as its exit is, so its damping (<see cref="DampInnerEntries"/>)
    /// is lifted (a block cut at its size limit, or a branch out of one, lands inside another block's basic block).
    /// </summary>
    private static void UndampJumpTarget(CodePage<DecodedInstruction> page, ulong linear)
    {
        int slot = page.SlotAt(linear);
        if (slot != 0 && page.Entries[slot].Heat < 0)
            page.Entries[slot].Heat = 0;
    }

    /// <summary>
    /// Background compilation of the hot entry <paramref name="slot"/> of <paramref name="page"/> (at RIP): its instructions
    /// are found here, on the CPU's thread, and the rest is left to the worker; meanwhile the entry is interpreted and
    /// comes back here every <see cref="GuestCpuCore.BackgroundPollInterval"/> executions, asking nothing while a request for
    /// it is in flight (<see cref="BackgroundCompiler{TBlock}.Admit"/>).
    /// </summary>
    private void RequestCompile(CodePage<DecodedInstruction> page, int slot)
    {
        ref var e = ref page.Entries[slot];
        var compiler = Compiler;
        var blocks = _blocks!;
        if (!AdmitToCompiler(compiler, blocks, page, slot, ref e.Heat, GuestBlock.MaxInstructions))
            return;
        if (PrepareBuild(e.Breakpoint) is not var (found, build))
        {
            e.Compiled = -1;
            blocks.Reject(GuestBlock.MaxInstructions);
            return;
        }
        HoldBack(found, page);
        compiler.Submit(new(build, page, slot, blocks.Clears) { Tag = Mode64 ? Rip : (uint)(_csBase + Rip), Tag2 = _csBase });
    }

    /// <summary>
    /// On the CPU's thread, the back end's first half for the block at RIP: the instructions it found, with their basic
    /// blocks' leaders, and what makes the block from them on the worker; null when the back end refuses it.
    /// </summary>
    private (List<GuestNode> Found, Func<X86CompiledBlock?> Build)? PrepareBuild(bool headBreakpoint)
    {
        if (UsesHostCode)
        {
            if (HostTranslator.Prepare(this, Rip, headBreakpoint, CompiledShape) is not { } block)
                return null;
            return (block.Nodes, () => HostTranslator.Build(this, block));
        }
        if (!RuntimeFeature.IsDynamicCodeSupported) // the analyzers' guard: without a JIT, only host code is compiled
            return null;
        var translator = X86Translator.Prepare(this, Rip, headBreakpoint, CompiledShape);
        return translator is null ? null : (translator.FoundBlocks(), translator.Build);
    }

    /// <summary>
    /// While a block is compiled in the background, the entries it covers in the head's page (<paramref name="nodes"/>, its
    /// head excepted) are still interpreted, and the leaders of its loops, as hot as its head, would become hot blocks of
    /// their own before it arrives (the PVH kernel's boot to /init compiled 1,810 blocks instead of 1,097). Inner entries
    /// are damped as <see cref="DampInnerEntries"/> damps them; leaders count afresh, as code entering the block there
    /// from outside still gets a block of its own, later.
    /// </summary>
    private void HoldBack(List<GuestNode> nodes, CodePage<DecodedInstruction> page)
    {
        var headLinear = Mode64 ? Rip : (uint)(_csBase + Rip);
        var damped = -(int)Math.Min((long)CompileThreshold * InnerEntryDamping, int.MaxValue / 2);
        foreach (var n in nodes)
        {
            var linear = Mode64 ? n.Rip : (uint)(_csBase + n.Rip);
            if (linear >> 12 != headLinear >> 12 || linear == headLinear)
                continue;
            int s = page.SlotAt(linear);
            if (s != 0 && page.Entries[s].Compiled == 0)
                page.Entries[s].Heat = Math.Min(page.Entries[s].Heat, n.Leader ? 0 : damped);
        }
    }

    /// <summary>
    /// Installs the blocks the background compiler finished, at an instruction boundary of this CPU's thread: a block runs
    /// from the next time its entry is reached. A block whose head page was written, whose other page was written, or
    /// whose code the engine dropped (the cache cleared) while it was in flight is dropped, never run; a failed translation
    /// rejects its entry as an inline failure does.
    /// </summary>
    private void InstallCompiled(BackgroundCompiler<X86CompiledBlock> compiler)
    {
        while (compiler.TryTake(_blocks!.Clears, out var request))
        {
            var page = (CodePage<DecodedInstruction>)request.Page;
            var block = request.Block;
            if (block?.OtherPage is { } other && other.Generation != block.OtherGeneration)
            {
                compiler.Dropped++;
                continue;
            }
            ref var e = ref page.Entries[request.Slot];
            if (block is null)
            {
                e.Compiled = -1;
                _blocks.Reject(GuestBlock.MaxInstructions);
                continue;
            }
            e.Compiled = _blocks.Add(block, page, request.Slot);
            DampInnerEntries(block, page, request.Tag, request.Tag2);
            _blocks.AddEntries(block.ReturnEntries, page, _compiler);
        }
    }

}
