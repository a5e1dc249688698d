using System.Reflection.Emit;

namespace LoaderHarness.Emulator.X86.Tier2;

/// <summary>
/// Exits that write back only what may have changed on the paths to them. With one shared exit writing every register
/// the block writes and all seven lazy-flag locals, each of those values stayed alive from the block's entry to its
/// last exit, and a path of six instructions through a large block paid for storing a dozen registers. Exits are
/// grouped by what they write: the registers that may have changed by their instruction (<see cref="FindChanges"/>),
/// and the flags only when they may have changed, as constants and the fields their operation reads where the
/// producing instruction is known at translation time (<see cref="EmitFlagWriteBack"/>).
/// </summary>
internal sealed partial class X86Translator
{
    private readonly Dictionary<ExitKey, Label> _exitStubs = [];

    /// <summary>The node whose instruction the exits emitted now belong to (set at its start).</summary>
    private GuestNode _exitNode;

    /// <summary>Registers (bit per slot) some instruction of the block writes.</summary>
    private uint WrittenMask()
    {
        var mask = 0u;
        for (var i = 0; i < 16; i++)
            if (_written[i])
                mask |= 1u << i;
        return mask;
    }

    /// <inheritdoc/>
    protected override Label ExitTarget()
    {
        var key = new ExitKey(_exitNode.ChangedRegisters & WrittenMask(), FlagState(_exitNode.ChangedFlags), _knownOp, _knownSize);
        if (key.Flags != FlagWriteBack.Known)
            key = key with { Op = LazyOp.None, Size = 0 };
        if (key.Registers == WrittenMask() && key.Flags == (_usesFlags ? FlagWriteBack.All : FlagWriteBack.None))
            return Exit; // the shared exit writes exactly that: no copy of it
        if (!_exitStubs.TryGetValue(key, out var label))
        {
            label = _il.DefineLabel();
            _exitStubs[key] = label;
        }
        return label;
    }

    /// <inheritdoc/>
    protected override void EmitExitStubs()
    {
        foreach (var (key, label) in _exitStubs)
        {
            _il.MarkLabel(label);
            for (var i = 0; i < 16; i++)
                if ((key.Registers & (1u << i)) != 0)
                    StoreRegister(i);
            EmitFlagWriteBack(key.Flags, key.Op, key.Size);
            _il.Emit(OpCodes.Br, ExitTail);
        }
    }

    /// <summary>How the flags are written back at this point of the translation, given whether they may have changed since the entry.</summary>
    private FlagWriteBack FlagState(bool changed)
        => !_usesFlags || !changed ? FlagWriteBack.None : _known ? FlagWriteBack.Known : FlagWriteBack.All;

    /// <summary>
    /// Writes the lazy flags back: all seven locals when the producer is not known here; when it is, its operation and size
    /// as constants and only the fields the interpreter reads for that operation (<see cref="X86Cpu.CF"/>, ZF, SF, PF, AF,
    /// OF in X86Cpu.Flags.cs), as the interpreter's own SetLazy and SetArith leave the others stale.
    /// </summary>
    private void EmitFlagWriteBack(FlagWriteBack how, LazyOp op, int size)
    {
        if (how == FlagWriteBack.None)
            return;
        if (how == FlagWriteBack.All)
        {
            StoreFlags();
            return;
        }
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldc_I4, (int)op);
        _il.Emit(OpCodes.Stfld, FlOpField);
        if (op == LazyOp.None)
        {
            StoreField(FlArithField, _fArith);
            return;
        }
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldc_I4, size);
        _il.Emit(OpCodes.Stfld, FlSizeField);
        StoreField(FlRField, _fR);
        if (op == LazyOp.Logic)
            return;
        StoreField(FlAField, _fA);
        StoreField(FlBField, _fB);
        if (op is LazyOp.Adc or LazyOp.Sbb or LazyOp.Inc or LazyOp.Dec)
            StoreField(FlAuxField, _fAux);
    }

    private enum FlagWriteBack : byte
    {
        None,
        All,
        Known,
    }

    private readonly record struct ExitKey(uint Registers, FlagWriteBack Flags, LazyOp Op, int Size);
}
