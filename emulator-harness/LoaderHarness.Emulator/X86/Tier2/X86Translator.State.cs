using System.Reflection;
using System.Reflection.Emit;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.X86.Tier2;

/// <summary>The block's registers and lazy flags: their locals, loaded at entry and written back at exits and spills (the frame around them is <see cref="Core.Tiering.BlockFrame"/>).</summary>
internal sealed partial class X86Translator
{
    private static readonly FieldInfo RegsField = typeof(X86Cpu).GetField(nameof(X86Cpu.R), BindingFlags.Instance | BindingFlags.NonPublic)!;
    private static readonly FieldInfo SegBaseField = typeof(X86Cpu).GetField(nameof(X86Cpu.SegBase), BindingFlags.Instance | BindingFlags.NonPublic)!;
    private static readonly FieldInfo FlOpField = Field(nameof(X86Cpu.FlOp));
    private static readonly FieldInfo FlAField = Field(nameof(X86Cpu.FlA));
    private static readonly FieldInfo FlBField = Field(nameof(X86Cpu.FlB));
    private static readonly FieldInfo FlRField = Field(nameof(X86Cpu.FlR));
    private static readonly FieldInfo FlAuxField = Field(nameof(X86Cpu.FlAux));
    private static readonly FieldInfo FlArithField = Field(nameof(X86Cpu.FlArith));
    private static readonly FieldInfo FlSizeField = Field(nameof(X86Cpu.FlSize));
    private static readonly MethodInfo TlbGetter = Getter(nameof(X86Cpu.CompiledTlb));
    private static readonly MethodInfo ExecutedGetter = Getter(nameof(X86Cpu.RunExecuted));
    private static readonly MethodInfo ExecutedSetter = typeof(X86Cpu).GetProperty(nameof(X86Cpu.RunExecuted), BindingFlags.Instance | BindingFlags.NonPublic)!.SetMethod!;
    private static readonly MethodInfo LimitGetter = Getter(nameof(X86Cpu.RunLimit));
    private static readonly MethodInfo RipSetter = typeof(X86Cpu).GetProperty(nameof(X86Cpu.Rip))!.SetMethod!;

    private readonly LocalBuilder[] _g = new LocalBuilder[16];
    private readonly bool[] _written = new bool[16];

    /// <summary>Registers the block reads or writes: only these are loaded at entry.</summary>
    private readonly bool[] _used = new bool[16];

    /// <summary>Whether any instruction reads or writes the arithmetic flags: if none, the flags never leave the CPU.</summary>
    private bool _usesFlags;
    private LocalBuilder _regs = null!, _tlb = null!;
    private LocalBuilder _fOp = null!, _fSize = null!, _fA = null!, _fB = null!, _fR = null!, _fAux = null!, _fArith = null!;

    private static FieldInfo Field(string name) => typeof(X86Cpu).GetField(name, BindingFlags.Instance | BindingFlags.NonPublic)!;

    private static MethodInfo Getter(string name) => typeof(X86Cpu).GetProperty(name, BindingFlags.Instance | BindingFlags.NonPublic)!.GetMethod!;

    /// <summary>Emits the block's method (compiled by the JIT when its delegate is first called).</summary>
    private DynamicMethod Emit() => EmitMethod($"x86_{_headRip:x}", typeof(X86Cpu), _nodes.Count, _index[_headRip]);

    /// <inheritdoc/>
    protected override void EmitPrologue()
    {
        FindWrittenRegisters();
        FindCarryLeaders();
        FindKnownProducers();
        DeclareFrame();
    }

    private void FindWrittenRegisters()
    {
        foreach (var n in _nodes)
        {
            if (WritesFlags(in n) || GuestOpClassifier.ReadsFlags(n.Op))
                _usesFlags = true;
            MarkUsed(n.D.Base);
            MarkUsed(n.D.Index);
            if (n.Op is GuestOp.ConvertAccumulator or GuestOp.Div or GuestOp.MulWide or GuestOp.Cmpxchg or GuestOp.Stos)
                MarkUsed(0); // implicit: the accumulator is read
            if (n.Op == GuestOp.CmpxchgDouble)
            {
                MarkUsed(1); // implicit: RCX:RBX is the new value
                MarkUsed(3);
            }
            if (n.Op is GuestOp.Stos or GuestOp.Movs)
            {
                MarkUsed(6); // implicit: RSI and RDI address the strings
                MarkUsed(7);
            }
            for (var k = 0; k < n.D.I.OpCount; k++)
                if (n.D.I.GetOpKind(k) == Iced.Intel.OpKind.Register)
                    MarkUsed(X86Cpu.GprInfo(n.D.I.GetOpRegister(k)).Slot);
            var writes = Writes(in n);
            for (var r = 0; r < 16; r++)
                if ((writes & (1u << r)) != 0)
                    _written[r] = _used[r] = true;
        }
        FindChanges();
    }

    /// <summary>Whether the instruction may change the flag locals (every operation that records a lazy flag result).</summary>
    private static bool WritesFlags(in GuestNode n)
        => n.Op is GuestOp.Add or GuestOp.Adc or GuestOp.Sub or GuestOp.Sbb or GuestOp.Cmp or GuestOp.And or GuestOp.Or
            or GuestOp.Xor or GuestOp.Test or GuestOp.Inc or GuestOp.Dec or GuestOp.Neg or GuestOp.Shl or GuestOp.Shr
            or GuestOp.Sar or GuestOp.ShlCl or GuestOp.ShrCl or GuestOp.SarCl or GuestOp.Imul or GuestOp.MulWide or GuestOp.Rol
            or GuestOp.Ror or GuestOp.Cmpxchg or GuestOp.Xadd or GuestOp.BitTest or GuestOp.CmpxchgDouble;

    /// <summary>The registers (bit per slot) the instruction may write.</summary>
    private static uint Writes(in GuestNode n)
    {
        var mask = 0u;
        if (n.D.I.OpCount > 0 && n.D.I.Op0Kind == Iced.Intel.OpKind.Register && n.Op is not (GuestOp.Cmp or GuestOp.Test or GuestOp.Push or GuestOp.CallIndirect)
            && !(n.Op == GuestOp.BitTest && n.D.I.Mnemonic == Iced.Intel.Mnemonic.Bt))
            mask |= 1u << X86Cpu.GprInfo(n.D.I.Op0Register).Slot;
        if (n.Op is GuestOp.Push or GuestOp.Pop or GuestOp.Call or GuestOp.CallIndirect or GuestOp.Ret or GuestOp.Pushf)
            mask |= 1u << 4;
        if (n.Op == GuestOp.Cmpxchg)
            mask |= 1u << 0; // the accumulator, when the comparison fails
        if (n.Op == GuestOp.CmpxchgDouble)
            mask = 1u << 0 | 1u << 2; // RDX:RAX, when the comparison fails
        if (n.Op == GuestOp.Xadd)
            mask |= 1u << X86Cpu.GprInfo(n.D.I.Op1Register).Slot; // the source gets the destination's old value
        if (n.Op == GuestOp.Stos)
            mask |= 1u << 7;
        if (n.Op == GuestOp.Movs)
            mask |= 1u << 6 | 1u << 7;
        if (n.Op is GuestOp.Div or GuestOp.MulWide)
            mask = 1u << 0 | 1u << 2; // RDX:RAX, not its operand
        if (n.Op == GuestOp.ConvertAccumulator)
            mask = n.D.I.Code is Iced.Intel.Code.Cbw or Iced.Intel.Code.Cwde or Iced.Intel.Code.Cdqe ? 1u << 0 : 1u << 2;
        return mask;
    }

    /// <summary>
    /// What may have changed from the block's entry up to and through each instruction (a forward union over the
    /// block's edges, to a fixed point): a spill before that instruction's slow path writes back only those
    /// registers, and the flags only when they may have changed; the rest of the CPU's state is still exact. An
    /// edge taken as more than it is (a RET assumed to reach every call site in the block) only adds to the sets.
    /// </summary>
    private void FindChanges()
    {
        var changed = new uint[_nodes.Count];
        var flags = new bool[_nodes.Count];
        var reached = new bool[_nodes.Count];
        var work = new Stack<int>();
        var head = _index[_headRip];
        reached[head] = true;
        work.Push(head);
        while (work.Count != 0)
        {
            var i = work.Pop();
            var n = _nodes[i];
            var outRegs = changed[i] | Writes(in n);
            var outFlags = flags[i] || WritesFlags(in n);
            if (n.Op is GuestOp.Jcc or GuestOp.Jmp or GuestOp.Call)
                Flow(n.D.Target);
            if (n.Op is not (GuestOp.Jmp or GuestOp.CallIndirect or GuestOp.Ret))
                Flow(n.D.NextIP);
            if (n.Op == GuestOp.Ret)
                foreach (var site in _returnSites)
                    Flow(site);

            void Flow(ulong rip)
            {
                if (!_index.TryGetValue(rip, out var s))
                    return;
                var regs = changed[s] | outRegs;
                var f = flags[s] || outFlags;
                if (reached[s] && regs == changed[s] && f == flags[s])
                    return;
                reached[s] = true;
                changed[s] = regs;
                flags[s] = f;
                work.Push(s);
            }
        }
        for (var i = 0; i < _nodes.Count; i++)
        {
            var n = _nodes[i];
            n.ChangedRegisters = changed[i] | Writes(in n);
            n.ChangedFlags = flags[i] || WritesFlags(in n);
            _nodes[i] = n;
        }
    }

    private void StoreRegister(int i)
    {
        _il.Emit(OpCodes.Ldloc, _regs);
        if (i != 0)
        {
            _il.Emit(OpCodes.Ldc_I4, i * 8);
            _il.Emit(OpCodes.Add);
        }
        _il.Emit(OpCodes.Ldloc, _g[i]);
        _il.Emit(OpCodes.Stind_I8);
    }

    private void StoreFlags()
    {
        StoreField(FlOpField, _fOp);
        StoreField(FlSizeField, _fSize);
        StoreField(FlAField, _fA);
        StoreField(FlBField, _fB);
        StoreField(FlRField, _fR);
        StoreField(FlAuxField, _fAux);
        StoreField(FlArithField, _fArith);
    }

    private void MarkUsed(int slot)
    {
        if (slot < 16)
            _used[slot] = true;
    }

    private void DeclareFrame()
    {
        _regs = _il.DeclareLocal(typeof(ulong*));
        _tlb = _il.DeclareLocal(typeof(TlbEntry*));
        for (var i = 0; i < 16; i++)
            _g[i] = _il.DeclareLocal(typeof(ulong));
        _fOp = _il.DeclareLocal(typeof(int));
        _fSize = _il.DeclareLocal(typeof(int));
        _fA = _il.DeclareLocal(typeof(ulong));
        _fB = _il.DeclareLocal(typeof(ulong));
        _fR = _il.DeclareLocal(typeof(ulong));
        _fAux = _il.DeclareLocal(typeof(ulong));
        _fArith = _il.DeclareLocal(typeof(ulong));
        _cf = _il.DeclareLocal(typeof(ulong));
        DeclareCounters();
    }

    /// <summary>Loads registers, lazy flags and the instruction count into locals, then enters the head.</summary>
    protected override void EmitEntry()
    {
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldfld, RegsField);
        _il.Emit(OpCodes.Stloc, _regs);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Call, TlbGetter);
        _il.Emit(OpCodes.Stloc, _tlb);
        for (var i = 0; i < 16; i++)
        {
            if (!_used[i])
                continue;
            _il.Emit(OpCodes.Ldloc, _regs);
            if (i != 0)
            {
                _il.Emit(OpCodes.Ldc_I4, i * 8);
                _il.Emit(OpCodes.Add);
            }
            _il.Emit(OpCodes.Ldind_I8);
            _il.Emit(OpCodes.Stloc, _g[i]);
        }
        if (_usesFlags)
        {
            LoadField(FlOpField, _fOp);
            LoadField(FlSizeField, _fSize);
            LoadField(FlAField, _fA);
            LoadField(FlBField, _fB);
            LoadField(FlRField, _fR);
            LoadField(FlAuxField, _fAux);
            LoadField(FlArithField, _fArith);
            EmitCarryEntry();
        }
        EmitCounterEntry(ExecutedGetter);
    }

    private void LoadField(FieldInfo field, LocalBuilder local)
    {
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldfld, field);
        _il.Emit(OpCodes.Stloc, local);
    }

    private void StoreField(FieldInfo field, LocalBuilder local)
    {
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldloc, local);
        _il.Emit(OpCodes.Stfld, field);
    }

    /// <summary>Writes registers the block changes and the lazy flags back to the CPU.</summary>
    protected override void EmitWriteBack()
    {
        for (var i = 0; i < 16; i++)
        {
            if (_written[i])
                StoreRegister(i);
        }
        if (_usesFlags)
            StoreFlags();
    }

}
