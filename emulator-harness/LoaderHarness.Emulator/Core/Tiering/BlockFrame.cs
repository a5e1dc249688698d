using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LoaderHarness.Emulator.Core.Tiering;

/// <summary>
/// The IL frame both translators (x86 and A64) emit a compiled block into, and what it does at its edges: the
/// run's instruction count in a local, the run's limit checked at each basic block's start and after every
/// slow path, one shared exit that writes the state back and sets the counted instructions and the next PC, slow
/// calls that need no write-back (a fault makes the block leave before the instruction, <see cref="EmitSlowCall"/>),
/// and one shared spill stub, returning through an IL switch, for the helpers that read or change the whole state.
/// What the registers and flags are, and how they are loaded and written back, is the engine's
/// (<see cref="EmitWriteBack"/>).
/// </summary>
[RequiresDynamicCode("tier 2 emits IL for the JIT; callers check RuntimeFeature.IsDynamicCodeSupported")]
internal abstract class BlockFrame
{
    private readonly MethodInfo _executedSetter, _pcSetter, _limitGetter;
    private readonly List<Label> _spillReturns = [];
    private readonly Stack<LocalBuilder> _free = new();
    private LocalBuilder _exitPc = null!, _exitN = null!, _spillPc = null!, _spillN = null!, _spillReturn = null!;
    private Label _spill;

    /// <param name="executedSetter">The CPU's setter of the run's executed-instruction count.</param>
    /// <param name="pcSetter">The CPU's program-counter setter (RIP, PC).</param>
    /// <param name="limitGetter">The CPU's getter of the run's limit (budget, next deadline, or 0 when the loop must look).</param>
    protected BlockFrame(MethodInfo executedSetter, MethodInfo pcSetter, MethodInfo limitGetter)
    {
        _executedSetter = executedSetter;
        _pcSetter = pcSetter;
        _limitGetter = limitGetter;
    }

    protected ILGenerator _il = null!;

    /// <summary>
    /// The run's executed count with this entry's instructions counted so far (one local, not the count at entry plus
    /// the entry's own: one register fewer for the JIT to keep through the block), and "a slow path ran".
    /// </summary>
    protected LocalBuilder _n = null!, _chk = null!;

    /// <summary>Writes every register and flag the block changed back to the CPU.</summary>
    protected abstract void EmitWriteBack();

    /// <summary>Declares the counters, the exit and the spill (after the engine's own locals).</summary>
    protected void DeclareCounters()
    {
        _n = _il.DeclareLocal(typeof(ulong));
        _chk = _il.DeclareLocal(typeof(bool));
        _exitPc = _il.DeclareLocal(typeof(ulong));
        _exitN = _il.DeclareLocal(typeof(ulong));
        _spillPc = _il.DeclareLocal(typeof(ulong));
        _spillN = _il.DeclareLocal(typeof(ulong));
        _spillReturn = _il.DeclareLocal(typeof(int));
        Exit = _il.DefineLabel();
        ExitTail = _il.DefineLabel();
        _spill = _il.DefineLabel();
    }

    /// <summary>The shared exit's label.</summary>
    protected Label Exit { get; private set; }

    /// <summary>The entry's count: <c>n</c> = the run's executed count.</summary>
    protected void EmitCounterEntry(MethodInfo executedGetter)
    {
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Call, executedGetter);
        _il.Emit(OpCodes.Stloc, _n);
    }

    /// <summary>
    /// Where an exit branches once its PC and count are set: by default the shared exit, which writes everything the block
    /// may change back; an engine may send each exit to a write-back of only what may have changed on the paths to it
    /// (<see cref="EmitExitStubs"/>), so that values no exit needs are not kept alive through the whole block.
    /// </summary>
    protected virtual Label ExitTarget() => Exit;

    /// <summary>The engine's partial write-backs that <see cref="ExitTarget"/> handed out, each ending with a branch to <see cref="ExitTail"/>.</summary>
    protected virtual void EmitExitStubs()
    {
    }

    /// <summary>The end of every exit after its write-back: the counted instructions, the next PC, return.</summary>
    protected Label ExitTail { get; private set; }

    /// <summary>The shared exit, the engine's exit stubs, then the spill stub if any slow path asked for it.</summary>
    protected void EmitEpilogue()
    {
        _il.MarkLabel(Exit);
        EmitWriteBack();
        _il.MarkLabel(ExitTail);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldloc, _exitN);
        _il.Emit(OpCodes.Call, _executedSetter);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldloc, _exitPc);
        _il.Emit(OpCodes.Call, _pcSetter);
        _il.Emit(OpCodes.Ret);
        EmitExitStubs();
        if (_spillReturns.Count != 0)
            EmitSpillStub();
    }

    /// <summary>Leaves the block at <paramref name="pc"/> with the run's count at <c>n − behind</c>.</summary>
    protected void EmitExit(ulong pc, int behind)
    {
        LdConst(pc);
        _il.Emit(OpCodes.Stloc, _exitPc);
        EmitCount(behind);
        _il.Emit(OpCodes.Stloc, _exitN);
        _il.Emit(OpCodes.Br, ExitTarget());
    }

    /// <summary>Leaves the block at the PC on the IL stack after every instruction counted so far.</summary>
    protected void EmitDynamicExit()
    {
        _il.Emit(OpCodes.Stloc, _exitPc);
        EmitCount(0);
        _il.Emit(OpCodes.Stloc, _exitN);
        _il.Emit(OpCodes.Br, ExitTarget());
    }

    /// <summary>Pushes <c>n − behind</c>: the run's count at a point <paramref name="behind"/> instructions before the end of the current basic block.</summary>
    protected void EmitCount(int behind)
    {
        _il.Emit(OpCodes.Ldloc, _n);
        if (behind != 0)
        {
            _il.Emit(OpCodes.Ldc_I8, (long)behind);
            _il.Emit(OpCodes.Sub);
        }
    }

    /// <summary>
    /// At a basic block's start (<paramref name="pc"/>, <paramref name="blockLength"/> instructions): leave to the run
    /// loop unless the next <paramref name="covered"/> instructions fit in the run's limit (none: no check), then count
    /// the basic block.
    /// </summary>
    protected void EmitBudgetCheck(ulong pc, int blockLength, int covered)
    {
        if (covered != 0)
        {
            var fits = _il.DefineLabel();
            _il.Emit(OpCodes.Ldloc, _n);
            LdConst((ulong)covered);
            _il.Emit(OpCodes.Add);
            _il.Emit(OpCodes.Ldarg_0);
            _il.Emit(OpCodes.Call, _limitGetter);
            _il.Emit(OpCodes.Ble_Un, fits);
            EmitExit(pc, 0);
            _il.MarkLabel(fits);
        }
        _il.Emit(OpCodes.Ldloc, _n);
        LdConst((ulong)blockLength);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stloc, _n);
    }

    /// <summary>
    /// After an instruction that took a slow path, <paramref name="behind"/> instructions before its basic block's end:
    /// when the run's limit was reached (a stop, code invalidated, an interrupt line rose) leave at
    /// <paramref name="nextPc"/>, as the interpreter's loop does.
    /// </summary>
    protected void EmitLimitCheck(ulong nextPc, int behind)
    {
        var go = _il.DefineLabel();
        _il.Emit(OpCodes.Ldloc, _chk);
        _il.Emit(OpCodes.Brfalse, go);
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Stloc, _chk);
        EmitCount(behind);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Call, _limitGetter);
        _il.Emit(OpCodes.Blt_Un, go);
        EmitExit(nextPc, behind);
        _il.MarkLabel(go);
    }

    /// <summary>
    /// Before a slow path of the instruction at <paramref name="pc"/>, <paramref name="behind"/> instructions before
    /// its basic block's end: the CPU's state becomes exactly the state before that instruction (registers, flags,
    /// PC, instruction count), so a fault, a watch record or a device sees what the interpreter would show.
    /// </summary>
    protected void EmitSpill(ulong pc, int behind)
    {
        var back = _il.DefineLabel();
        LdConst(pc);
        _il.Emit(OpCodes.Stloc, _spillPc);
        EmitCount(behind);
        _il.Emit(OpCodes.Stloc, _spillN);
        _il.Emit(OpCodes.Ldc_I4, _spillReturns.Count);
        _il.Emit(OpCodes.Stloc, _spillReturn);
        _il.Emit(OpCodes.Br, _spill);
        _il.MarkLabel(back);
        _spillReturns.Add(back);
    }

    /// <summary>
    /// Ends the call of a memory access's slow path whose other arguments are on the IL stack (the engine's TryRead or
    /// TryWrite): the instruction's PC and count go with it, so a device, a watch or a timer sees them exact, and when it
    /// meets a guest fault it returns false and the block leaves before the instruction through an exit, with its state
    /// exact, for the interpreter to run the instruction again and raise the fault where it would have. Nothing is written
    /// back on the way in: with a write-back before every slow path, an x86 block's IL was 15 % and its JIT time 40 % larger.
    /// A faulting access changes nothing the second run does not change the same: both pages of a straddling access are
    /// translated before either is touched, and the walk's accessed bits are set again as they were.
    /// </summary>
    protected void EmitSlowCall(ulong pc, int behind, MethodInfo method)
    {
        var done = _il.DefineLabel();
        LdConst(pc);
        EmitCount(behind);
        _il.Emit(OpCodes.Call, method);
        _il.Emit(OpCodes.Brtrue, done);
        EmitExit(pc, behind);
        _il.MarkLabel(done);
        _il.Emit(OpCodes.Ldc_I4_1);
        _il.Emit(OpCodes.Stloc, _chk);
    }

    /// <summary>Pushes the value the slow path of a load just read (<see cref="GuestCpuCore.SlowValue"/>).</summary>
    protected void EmitSlowValue()
    {
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldfld, SlowValueField);
    }

    private static readonly FieldInfo SlowValueField = typeof(GuestCpuCore).GetField(nameof(GuestCpuCore.SlowValue), BindingFlags.Instance | BindingFlags.NonPublic)!;

    /// <summary>The shared spill: write-back, instruction count, PC, then back to the slow path that asked.</summary>
    private void EmitSpillStub()
    {
        _il.MarkLabel(_spill);
        EmitWriteBack();
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldloc, _spillN);
        _il.Emit(OpCodes.Call, _executedSetter);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldloc, _spillPc);
        _il.Emit(OpCodes.Call, _pcSetter);
        _il.Emit(OpCodes.Ldc_I4_1);
        _il.Emit(OpCodes.Stloc, _chk);
        _il.Emit(OpCodes.Ldloc, _spillReturn);
        _il.Emit(OpCodes.Switch, _spillReturns.ToArray());
        _il.Emit(OpCodes.Br, Exit); // not reached: every spill sets a valid return index
    }

    /// <summary>Whether <paramref name="pc"/> is an instruction of the block that a branch may reach without going through the run loop (<see cref="BasicBlocks.InBlock"/>), and its node.</summary>
    protected abstract bool InBlock(ulong pc, out int node);

    private static readonly int TlbEntryShift = BitOperations.Log2((uint)Unsafe.SizeOf<TlbEntry>());
    private static readonly int TlbReadOffset = (int)Marshal.OffsetOf<TlbEntry>(nameof(TlbEntry.Read));
    private static readonly int TlbWriteOffset = (int)Marshal.OffsetOf<TlbEntry>(nameof(TlbEntry.Write));

    /// <summary>
    /// The TLB fast path (<see cref="SoftMmu"/>'s TryLoad and TryStore) in IL, with few locals for the JIT to keep:
    /// <paramref name="host"/> = the host address of <paramref name="size"/> bytes at guest address
    /// <paramref name="address"/> in the TLB at <paramref name="tlb"/>, or a branch to <paramref name="miss"/>. One
    /// compare checks both the page and that the access stays in it: the entry is chosen by the first byte's page and
    /// must hold the last byte's page (QEMU's softmmu compares the same way), so an access crossing into the next page,
    /// or wrapping past the top of the address space, misses. A store also misses on a page it may not write directly
    /// (code on it, or not writable here), which the interpreter's path handles. <paramref name="entry"/> is scratch.
    /// </summary>
    protected void EmitTlbProbe(LocalBuilder tlb, LocalBuilder address, int size, bool write, LocalBuilder entry, LocalBuilder host, Label miss)
    {
        _il.Emit(OpCodes.Ldloc, tlb);
        _il.Emit(OpCodes.Ldloc, address);
        _il.Emit(OpCodes.Ldc_I4, 12);
        _il.Emit(OpCodes.Shr_Un);
        LdConst(SoftMmu.TlbSize - 1);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Ldc_I4, TlbEntryShift);
        _il.Emit(OpCodes.Shl);
        _il.Emit(OpCodes.Conv_U);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stloc, entry);
        _il.Emit(OpCodes.Ldloc, entry);
        _il.Emit(OpCodes.Ldind_I8); // TlbEntry.Page, the first field
        _il.Emit(OpCodes.Ldloc, address);
        if (size > 1)
        {
            LdConst((ulong)size - 1);
            _il.Emit(OpCodes.Add);
        }
        _il.Emit(OpCodes.Ldc_I4, 12);
        _il.Emit(OpCodes.Shr_Un);
        _il.Emit(OpCodes.Bne_Un, miss);
        _il.Emit(OpCodes.Ldloc, entry);
        _il.Emit(OpCodes.Ldc_I4, write ? TlbWriteOffset : TlbReadOffset);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Ldind_I);
        if (write)
        {
            _il.Emit(OpCodes.Stloc, host);
            _il.Emit(OpCodes.Ldloc, host);
            _il.Emit(OpCodes.Brfalse, miss);
            _il.Emit(OpCodes.Ldloc, host);
        }
        _il.Emit(OpCodes.Ldloc, address);
        LdConst(0xFFF);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Conv_U);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stloc, host);
    }

    private Label[] _labels = [];

    /// <summary>The IL label of node <paramref name="node"/> (its instruction's first IL).</summary>
    protected Label LabelOf(int node) => _labels[node];

    /// <summary>
    /// Emits the block into a new method of <paramref name="cpu"/>'s module taking the CPU: the engine's frame
    /// (<see cref="EmitPrologue"/>), a label per node, a branch to the head node, every node (<see cref="EmitNode"/>,
    /// which marks its label), and the shared exit and spill. RyuJIT compiles it when its delegate is first called.
    /// </summary>
    protected DynamicMethod EmitMethod(string name, Type cpu, int nodes, int head)
    {
        var method = new DynamicMethod(name, typeof(void), [cpu], cpu.Module, skipVisibility: true);
        _il = method.GetILGenerator();
        EmitPrologue();
        _labels = new Label[nodes];
        for (var i = 0; i < nodes; i++)
            _labels[i] = _il.DefineLabel();
        EmitEntry();
        _il.Emit(OpCodes.Br, LabelOf(head));
        for (var i = 0; i < nodes; i++)
            EmitNode(i);
        EmitEpilogue();
        return method;
    }

    /// <summary>The engine's analysis that needs the IL generator, and its locals (<see cref="DeclareCounters"/> among them).</summary>
    protected abstract void EmitPrologue();

    /// <summary>Loads what the block uses from the CPU at its entry.</summary>
    protected abstract void EmitEntry();

    /// <summary>Node <paramref name="i"/>'s instruction, starting with <c>MarkLabel(LabelOf(i))</c> where it is a branch target.</summary>
    protected abstract void EmitNode(int i);

    /// <summary>Branches to <paramref name="pc"/>: inside the block a plain IL branch (block chaining), else an exit.</summary>
    protected void EmitGoto(ulong pc)
    {
        if (InBlock(pc, out var index))
            _il.Emit(OpCodes.Br, LabelOf(index));
        else
            EmitExit(pc, 0);
    }

    /// <summary>After node <paramref name="node"/>, on to <paramref name="next"/>: nothing when that is the next node, an IL branch when elsewhere in the block, else an exit.</summary>
    protected void EmitFallThrough(int node, ulong next)
    {
        if (InBlock(next, out var index))
        {
            if (index != node + 1)
                _il.Emit(OpCodes.Br, LabelOf(index));
        }
        else
            EmitExit(next, 0);
    }

    /// <summary>Return prediction: a return (to the address in <paramref name="target"/>) to one of the block's <paramref name="returnSites"/> stays in the block.</summary>
    protected void EmitReturnPrediction(List<ulong> returnSites, LocalBuilder target)
    {
        foreach (var site in returnSites)
        {
            if (!InBlock(site, out var index))
                continue;
            _il.Emit(OpCodes.Ldloc, target);
            LdConst(site);
            _il.Emit(OpCodes.Beq, LabelOf(index));
        }
    }

    /// <summary>A scratch ulong local.</summary>
    protected LocalBuilder Temp() => _free.Count != 0 ? _free.Pop() : _il.DeclareLocal(typeof(ulong));

    protected void Release(LocalBuilder local) => _free.Push(local);

    /// <summary>Pops the value on the IL stack into a new temp.</summary>
    protected LocalBuilder Store()
    {
        var t = Temp();
        _il.Emit(OpCodes.Stloc, t);
        return t;
    }

    protected void LdConst(ulong value) => _il.Emit(OpCodes.Ldc_I8, (long)value);
}
