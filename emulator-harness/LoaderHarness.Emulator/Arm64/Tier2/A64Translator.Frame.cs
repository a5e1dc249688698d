using System.Reflection;
using System.Reflection.Emit;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Arm64.Tier2;

/// <summary>The block's frame: locals for registers, NZCV and counters, the entry, the exits and the spill before a slow path.</summary>
internal sealed partial class A64Translator
{
    /// <summary>Register slots (<see cref="A64Instruction"/> indices): X0–X30, the zero slot 31, the discard slot 32, SP 33.</summary>
    private const int Slots = 34;

    private static readonly FieldInfo RegsField = typeof(Arm64Cpu).GetField(nameof(Arm64Cpu.R), BindingFlags.Instance | BindingFlags.NonPublic)!;
    private static readonly MethodInfo TlbGetter = Getter(nameof(Arm64Cpu.CompiledTlb));
    private static readonly MethodInfo ExecutedGetter = Getter(nameof(Arm64Cpu.RunExecuted));
    private static readonly MethodInfo ExecutedSetter = typeof(Arm64Cpu).GetProperty(nameof(Arm64Cpu.RunExecuted), BindingFlags.Instance | BindingFlags.NonPublic)!.SetMethod!;
    private static readonly MethodInfo LimitGetter = Getter(nameof(Arm64Cpu.RunLimit));
    private static readonly MethodInfo PcSetter = typeof(Arm64Cpu).GetProperty(nameof(Arm64Cpu.Pc))!.SetMethod!;
    private static readonly MethodInfo NzcvGetter = typeof(Arm64Cpu).GetProperty(nameof(Arm64Cpu.Nzcv))!.GetMethod!;
    private static readonly MethodInfo NzcvSetter = typeof(Arm64Cpu).GetProperty(nameof(Arm64Cpu.Nzcv))!.SetMethod!;

    private ILGenerator _il = null!;
    private readonly LocalBuilder[] _g = new LocalBuilder[Slots];
    private readonly bool[] _used = new bool[Slots];
    private readonly bool[] _written = new bool[Slots];
    private bool _usesFlags;
    private LocalBuilder _regs = null!, _tlb = null!, _base = null!, _n = null!, _chk = null!, _exitPc = null!, _exitN = null!, _f = null!;
    private LocalBuilder _spillPc = null!, _spillN = null!, _spillReturn = null!;
    private readonly List<Label> _spillReturns = [];
    private readonly Stack<LocalBuilder> _free = new();
    private Label _exit, _spill;

    private static MethodInfo Getter(string name) => typeof(Arm64Cpu).GetProperty(name, BindingFlags.Instance | BindingFlags.NonPublic)!.GetMethod!;

    /// <summary>Emits the block and compiles it.</summary>
    private A64BlockBody Emit()
    {
        var method = new DynamicMethod($"a64_{_headPc:x}", typeof(void), [typeof(Arm64Cpu)], typeof(Arm64Cpu).Module, skipVisibility: true);
        _il = method.GetILGenerator();
        FindRegisters();
        DeclareFrame();
        for (var i = 0; i < _nodes.Count; i++)
        {
            var n = _nodes[i];
            n.Label = _il.DefineLabel();
            _nodes[i] = n;
        }
        EmitEntry();
        _il.Emit(OpCodes.Br, _nodes[_index[_headPc]].Label);
        for (var i = 0; i < _nodes.Count; i++)
            EmitNode(i);
        EmitExitBlock();
        if (_spillReturns.Count != 0)
            EmitSpillStub();
        return method.CreateDelegate<A64BlockBody>();
    }

    /// <summary>Which register slots the block reads or writes (only these are loaded), which it writes (only these are stored back), and whether it touches NZCV.</summary>
    private void FindRegisters()
    {
        foreach (var n in _nodes)
        {
            ref readonly var d = ref n.D;
            if (A64OpClassifier.ReadsFlags(n.Op) || A64OpClassifier.WritesFlags(n.Op))
                _usesFlags = true;
            _used[d.Rd] = _used[d.Rn] = _used[d.Rm] = _used[d.Ra] = true;
            switch (n.Op)
            {
                case A64Op.Nop or A64Op.B or A64Op.BCond or A64Op.Cbz or A64Op.Cbnz or A64Op.Tbz or A64Op.Tbnz or A64Op.Br or A64Op.Ret
                    or A64Op.CondCompare or A64Op.StoreOffset or A64Op.StoreRegister or A64Op.StorePair:
                    break;
                case A64Op.Bl or A64Op.Blr:
                    _written[30] = _used[30] = true;
                    break;
                case A64Op.StorePre or A64Op.StorePost or A64Op.StorePairPre or A64Op.StorePairPost:
                    _written[d.Rn] = true;
                    break;
                case A64Op.LoadPre or A64Op.LoadPost:
                    _written[d.Rn] = _written[d.Rd] = true;
                    break;
                case A64Op.LoadPair:
                    _written[d.Rd] = _written[d.Ra] = true;
                    break;
                case A64Op.LoadPairPre or A64Op.LoadPairPost:
                    _written[d.Rd] = _written[d.Ra] = _written[d.Rn] = true;
                    break;
                default:
                    _written[d.Rd] = true;
                    break;
            }
        }
        _written[Arm64Cpu.Zr] = _written[Arm64Cpu.Discard] = false;
        _used[Arm64Cpu.Zr] = _used[Arm64Cpu.Discard] = false;
    }

    private void DeclareFrame()
    {
        _regs = _il.DeclareLocal(typeof(ulong*));
        _tlb = _il.DeclareLocal(typeof(TlbEntry*));
        for (var i = 0; i < Slots; i++)
            if (_used[i])
                _g[i] = _il.DeclareLocal(typeof(ulong));
        _base = _il.DeclareLocal(typeof(ulong));
        _n = _il.DeclareLocal(typeof(ulong));
        _chk = _il.DeclareLocal(typeof(bool));
        _exitPc = _il.DeclareLocal(typeof(ulong));
        _exitN = _il.DeclareLocal(typeof(ulong));
        _f = _il.DeclareLocal(typeof(uint));
        _spillPc = _il.DeclareLocal(typeof(ulong));
        _spillN = _il.DeclareLocal(typeof(ulong));
        _spillReturn = _il.DeclareLocal(typeof(int));
        _exit = _il.DefineLabel();
        _spill = _il.DefineLabel();
    }

    /// <summary>Loads the registers the block uses, NZCV and the instruction count into locals.</summary>
    private void EmitEntry()
    {
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldfld, RegsField);
        _il.Emit(OpCodes.Stloc, _regs);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Call, TlbGetter);
        _il.Emit(OpCodes.Stloc, _tlb);
        for (var i = 0; i < Slots; i++)
        {
            if (!_used[i])
                continue;
            RegisterAddress(i);
            _il.Emit(OpCodes.Ldind_I8);
            _il.Emit(OpCodes.Stloc, _g[i]);
        }
        if (_usesFlags)
        {
            _il.Emit(OpCodes.Ldarg_0);
            _il.Emit(OpCodes.Call, NzcvGetter);
            _il.Emit(OpCodes.Stloc, _f);
        }
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Call, ExecutedGetter);
        _il.Emit(OpCodes.Stloc, _base);
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Conv_U8);
        _il.Emit(OpCodes.Stloc, _n);
    }

    private void RegisterAddress(int slot)
    {
        _il.Emit(OpCodes.Ldloc, _regs);
        if (slot != 0)
        {
            _il.Emit(OpCodes.Ldc_I4, slot * 8);
            _il.Emit(OpCodes.Add);
        }
    }

    /// <summary>Writes the registers the block changes and NZCV back to the CPU.</summary>
    private void EmitWriteBack()
    {
        for (var i = 0; i < Slots; i++)
        {
            if (!_written[i])
                continue;
            RegisterAddress(i);
            _il.Emit(OpCodes.Ldloc, _g[i]);
            _il.Emit(OpCodes.Stind_I8);
        }
        if (_usesFlags)
        {
            _il.Emit(OpCodes.Ldarg_0);
            _il.Emit(OpCodes.Ldloc, _f);
            _il.Emit(OpCodes.Call, NzcvSetter);
        }
    }

    /// <summary>The shared exit: state back to the CPU, PC = exitPc, instruction count = base + exitN.</summary>
    private void EmitExitBlock()
    {
        _il.MarkLabel(_exit);
        EmitWriteBack();
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldloc, _base);
        _il.Emit(OpCodes.Ldloc, _exitN);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Call, ExecutedSetter);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldloc, _exitPc);
        _il.Emit(OpCodes.Call, PcSetter);
        _il.Emit(OpCodes.Ret);
    }

    /// <summary>Leaves the block at <paramref name="pc"/> after <c>n − behind</c> instructions of this entry.</summary>
    private void EmitExit(ulong pc, int behind)
    {
        LdConst(pc);
        _il.Emit(OpCodes.Stloc, _exitPc);
        EmitCount(behind);
        _il.Emit(OpCodes.Stloc, _exitN);
        _il.Emit(OpCodes.Br, _exit);
    }

    /// <summary>Leaves the block at the PC in <paramref name="target"/> after every instruction counted so far.</summary>
    private void EmitDynamicExit(LocalBuilder target)
    {
        _il.Emit(OpCodes.Ldloc, target);
        _il.Emit(OpCodes.Stloc, _exitPc);
        EmitCount(0);
        _il.Emit(OpCodes.Stloc, _exitN);
        _il.Emit(OpCodes.Br, _exit);
    }

    /// <summary>Pushes <c>n − behind</c>: instructions of this entry completed at a point <paramref name="behind"/> instructions before the end of the current basic block.</summary>
    private void EmitCount(int behind)
    {
        _il.Emit(OpCodes.Ldloc, _n);
        if (behind != 0)
        {
            _il.Emit(OpCodes.Ldc_I8, (long)behind);
            _il.Emit(OpCodes.Sub);
        }
    }

    /// <summary>
    /// Before a slow path of <paramref name="node"/>: the CPU's state becomes exactly the state before that
    /// instruction (registers, NZCV, PC, instruction count), so an abort, a watch record or a device sees what
    /// the interpreter would show. One shared stub per block writes it back and returns through an IL switch.
    /// </summary>
    private void EmitSpill(in A64Node node)
    {
        var back = _il.DefineLabel();
        LdConst(node.Pc);
        _il.Emit(OpCodes.Stloc, _spillPc);
        _il.Emit(OpCodes.Ldloc, _base);
        EmitCount(node.OwnBlockLength - node.IndexInBlock);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stloc, _spillN);
        _il.Emit(OpCodes.Ldc_I4, _spillReturns.Count);
        _il.Emit(OpCodes.Stloc, _spillReturn);
        _il.Emit(OpCodes.Br, _spill);
        _il.MarkLabel(back);
        _spillReturns.Add(back);
    }

    /// <summary>The shared spill: write-back, instruction count, PC, then back to the slow path that asked.</summary>
    private void EmitSpillStub()
    {
        _il.MarkLabel(_spill);
        EmitWriteBack();
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldloc, _spillN);
        _il.Emit(OpCodes.Call, ExecutedSetter);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldloc, _spillPc);
        _il.Emit(OpCodes.Call, PcSetter);
        _il.Emit(OpCodes.Ldc_I4_1);
        _il.Emit(OpCodes.Stloc, _chk);
        _il.Emit(OpCodes.Ldloc, _spillReturn);
        _il.Emit(OpCodes.Switch, _spillReturns.ToArray());
        _il.Emit(OpCodes.Br, _exit); // not reached: every spill sets a valid return index
    }

    /// <summary>A scratch ulong local.</summary>
    private LocalBuilder Temp() => _free.Count != 0 ? _free.Pop() : _il.DeclareLocal(typeof(ulong));

    private void Release(LocalBuilder local) => _free.Push(local);

    /// <summary>Pops the value on the IL stack into a new temp.</summary>
    private LocalBuilder Store()
    {
        var t = Temp();
        _il.Emit(OpCodes.Stloc, t);
        return t;
    }

    private void LdConst(ulong value) => _il.Emit(OpCodes.Ldc_I8, (long)value);

    /// <summary>Pushes register slot <paramref name="slot"/>: the zero slot reads 0.</summary>
    private void LdReg(int slot)
    {
        if (slot is Arm64Cpu.Zr or Arm64Cpu.Discard)
            LdConst(0);
        else
            _il.Emit(OpCodes.Ldloc, _g[slot]);
    }

    /// <summary>Pops the IL stack into register slot <paramref name="slot"/> (the discard slot drops it).</summary>
    private void StReg(int slot)
    {
        if (slot is Arm64Cpu.Zr or Arm64Cpu.Discard)
            _il.Emit(OpCodes.Pop);
        else
            _il.Emit(OpCodes.Stloc, _g[slot]);
    }

    /// <summary>Zero-extends the low 32 bits of the value on the stack when the operation is 32-bit.</summary>
    private void Width(bool is64)
    {
        if (is64)
            return;
        _il.Emit(OpCodes.Conv_U4);
        _il.Emit(OpCodes.Conv_U8);
    }
}
