using System.Reflection;
using System.Reflection.Emit;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Arm64.Tier2;

/// <summary>The block's registers and NZCV: their locals, loaded at entry and written back at exits and spills (the frame around them is <see cref="Core.Tiering.BlockFrame"/>).</summary>
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

    private readonly LocalBuilder[] _g = new LocalBuilder[Slots];
    private readonly bool[] _used = new bool[Slots];
    private readonly bool[] _written = new bool[Slots];
    private bool _usesFlags;
    private LocalBuilder _regs = null!, _tlb = null!, _f = null!;

    private static MethodInfo Getter(string name) => typeof(Arm64Cpu).GetProperty(name, BindingFlags.Instance | BindingFlags.NonPublic)!.GetMethod!;

    /// <summary>Emits the block and compiles it.</summary>
    private A64BlockBody Emit() =>
        (A64BlockBody)EmitMethod($"a64_{_headPc:x}", typeof(Arm64Cpu), _nodes.Count, _index[_headPc]).CreateDelegate(typeof(A64BlockBody), _cpu);

    /// <inheritdoc/>
    protected override void EmitPrologue()
    {
        FindRegisters();
        PrepareHelpers();
        DeclareFrame();
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
                case A64Op.Helper:
                    MarkHelperWrites(in d);
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
        DeclareFlags();
        DeclareCounters();
    }

    /// <summary>Loads the registers the block uses, NZCV and the instruction count into locals.</summary>
    protected override void EmitEntry()
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
        EmitCounterEntry(ExecutedGetter);
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
    protected override void EmitWriteBack()
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
            EmitMaterializeLocal();
            _il.Emit(OpCodes.Ldarg_0);
            _il.Emit(OpCodes.Ldloc, _f);
            _il.Emit(OpCodes.Call, NzcvSetter);
        }
    }

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
