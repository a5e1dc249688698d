using System.Reflection;
using System.Reflection.Emit;
using Iced.Intel;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.X86.Tier2;

/// <summary>Registers, effective addresses and memory operands as IL: the TLB fast path inline, the interpreter's path on a miss.</summary>
internal sealed partial class X86Translator
{
    private readonly Stack<LocalBuilder> _freeHost = new();
    private static readonly MethodInfo TryReadMethod = Runtime(nameof(CompiledRuntime.TryRead));
    private static readonly MethodInfo TryWriteMethod = Runtime(nameof(CompiledRuntime.TryWrite));

    private static MethodInfo Runtime(string name) => typeof(CompiledRuntime).GetMethod(name, BindingFlags.Static | BindingFlags.Public)!;

    private void LdReg(int slot)
    {
        if (slot == 16)
            LdConst(0);
        else
            _il.Emit(OpCodes.Ldloc, _g[slot]);
    }

    private void MaskTo(int size)
    {
        if (size < 8)
        {
            LdConst(X86Cpu.Mask(size));
            _il.Emit(OpCodes.And);
        }
    }

    /// <summary>Pushes a general register at its width, zero-extended.</summary>
    private void EmitReadGpr(Register register)
    {
        var (slot, shift, width) = X86Cpu.GprInfo(register);
        LdReg(slot);
        if (shift != 0)
        {
            _il.Emit(OpCodes.Ldc_I4, shift);
            _il.Emit(OpCodes.Shr_Un);
        }
        MaskTo(width);
    }

    /// <summary>Writes <paramref name="value"/> to a general register with x86 merge rules: 32-bit writes zero-extend, 8/16-bit writes merge.</summary>
    private void EmitWriteGpr(Register register, LocalBuilder value)
    {
        var (slot, shift, width) = X86Cpu.GprInfo(register);
        var g = _g[slot];
        if (width == 8)
            _il.Emit(OpCodes.Ldloc, value);
        else if (width == 4)
        {
            _il.Emit(OpCodes.Ldloc, value);
            _il.Emit(OpCodes.Conv_U4);
            _il.Emit(OpCodes.Conv_U8);
        }
        else
        {
            var field = X86Cpu.Mask(width) << shift;
            _il.Emit(OpCodes.Ldloc, g);
            LdConst(~field);
            _il.Emit(OpCodes.And);
            _il.Emit(OpCodes.Ldloc, value);
            MaskTo(width);
            if (shift != 0)
            {
                _il.Emit(OpCodes.Ldc_I4, shift);
                _il.Emit(OpCodes.Shl);
            }
            _il.Emit(OpCodes.Or);
        }
        _il.Emit(OpCodes.Stloc, g);
    }

    /// <summary>Pushes the memory operand's effective address (offset in its segment), wrapped to the address size.</summary>
    private void EmitEa(in DecodedInstruction d)
    {
        LdConst(d.Disp);
        if (d.Base != 16)
        {
            _il.Emit(OpCodes.Ldloc, _g[d.Base]);
            _il.Emit(OpCodes.Add);
        }
        if (d.Index != 16)
        {
            _il.Emit(OpCodes.Ldloc, _g[d.Index]);
            if (d.ScaleShift != 0)
            {
                _il.Emit(OpCodes.Ldc_I4, (int)d.ScaleShift);
                _il.Emit(OpCodes.Shl);
            }
            _il.Emit(OpCodes.Add);
        }
        if (d.AddrMask != ulong.MaxValue)
        {
            LdConst(d.AddrMask);
            _il.Emit(OpCodes.And);
        }
    }

    /// <summary>The linear address of <paramref name="offset"/> in <paramref name="seg"/>: in 64-bit mode only FS and GS add a base; flat 32-bit segments add none.</summary>
    private LocalBuilder Linear(int seg, LocalBuilder offset)
    {
        if (!_mode64 || seg < (int)SegmentRegister.Fs)
            return offset;
        var linear = Temp();
        _il.Emit(OpCodes.Ldloc, offset);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldfld, SegBaseField);
        _il.Emit(OpCodes.Ldc_I4, seg);
        _il.Emit(OpCodes.Ldelem_I8);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stloc, linear);
        return linear;
    }

    /// <summary>Pushes <paramref name="size"/> bytes read at <paramref name="offset"/> in <paramref name="seg"/> for the instruction <paramref name="node"/>.</summary>
    private void EmitLoad(in GuestNode node, int seg, LocalBuilder offset, int size)
    {
        var linear = Linear(seg, offset);
        var value = Temp();
        var host = HostTemp();
        var slow = _il.DefineLabel();
        var done = _il.DefineLabel();
        EmitHostPointer(false, linear, size, host, slow);
        _il.Emit(OpCodes.Ldloc, host);
        _il.Emit(size switch { 1 => OpCodes.Ldind_U1, 2 => OpCodes.Ldind_U2, 4 => OpCodes.Ldind_U4, _ => OpCodes.Ldind_I8 });
        if (size != 8)
            _il.Emit(OpCodes.Conv_U8);
        _il.Emit(OpCodes.Stloc, value);
        _il.Emit(OpCodes.Br, done);
        _il.MarkLabel(slow);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldc_I4, seg);
        _il.Emit(OpCodes.Ldloc, offset);
        _il.Emit(OpCodes.Ldc_I4, size);
        EmitSlowCall(node.Rip, node.OwnBlockLength - node.IndexInBlock, TryReadMethod);
        EmitSlowValue();
        _il.Emit(OpCodes.Stloc, value);
        _il.MarkLabel(done);
        _il.Emit(OpCodes.Ldloc, value);
        Release(value);
        _freeHost.Push(host);
        if (linear != offset)
            Release(linear);
    }

    /// <summary>The TLB fast path (<see cref="Core.Tiering.BlockFrame.EmitTlbProbe"/>) for a linear address; a flat 32-bit access ending past 4 GiB crosses a page boundary, so it misses too.</summary>
    private void EmitHostPointer(bool write, LocalBuilder linear, int size, LocalBuilder host, System.Reflection.Emit.Label slow)
    {
        var entry = HostTemp();
        EmitTlbProbe(_tlb, linear, size, write, entry, host, slow);
        _freeHost.Push(entry);
    }

    /// <summary>Writes <paramref name="size"/> bytes of <paramref name="value"/> at <paramref name="offset"/> in <paramref name="seg"/>.</summary>
    private void EmitStore(in GuestNode node, int seg, LocalBuilder offset, int size, LocalBuilder value)
    {
        var linear = Linear(seg, offset);
        var host = HostTemp();
        var slow = _il.DefineLabel();
        var done = _il.DefineLabel();
        EmitHostPointer(true, linear, size, host, slow);
        _il.Emit(OpCodes.Ldloc, host);
        _il.Emit(OpCodes.Ldloc, value);
        if (size != 8)
            _il.Emit(OpCodes.Conv_U4);
        _il.Emit(size switch { 1 => OpCodes.Stind_I1, 2 => OpCodes.Stind_I2, 4 => OpCodes.Stind_I4, _ => OpCodes.Stind_I8 });
        _il.Emit(OpCodes.Br, done);
        _il.MarkLabel(slow);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldc_I4, seg);
        _il.Emit(OpCodes.Ldloc, offset);
        _il.Emit(OpCodes.Ldc_I4, size);
        _il.Emit(OpCodes.Ldloc, value);
        EmitSlowCall(node.Rip, node.OwnBlockLength - node.IndexInBlock, TryWriteMethod);
        _il.MarkLabel(done);
        _freeHost.Push(host);
        if (linear != offset)
            Release(linear);
    }

    /// <summary>A scratch host-pointer local.</summary>
    private LocalBuilder HostTemp() => _freeHost.Count != 0 ? _freeHost.Pop() : _il.DeclareLocal(typeof(byte*));

    /// <summary>Pushes operand <paramref name="n"/> at <paramref name="size"/> (registers at their own width, memory and immediates at <paramref name="size"/>).</summary>
    private void EmitReadOperand(in GuestNode node, int n, int size)
    {
        ref readonly var d = ref node.D;
        switch (d.I.GetOpKind(n))
        {
            case OpKind.Register:
                EmitReadGpr(d.I.GetOpRegister(n));
                break;
            case OpKind.Memory:
                var offset = Temp();
                EmitEa(in d);
                _il.Emit(OpCodes.Stloc, offset);
                EmitLoad(in node, d.Seg, offset, size);
                Release(offset);
                break;
            default:
                LdConst(d.I.GetImmediate(n) & X86Cpu.Mask(size));
                break;
        }
    }

    /// <summary>Writes <paramref name="value"/> to operand 0 (register, or memory at the operand size).</summary>
    private void EmitWriteOp0(in GuestNode node, LocalBuilder value)
    {
        ref readonly var d = ref node.D;
        if (d.I.Op0Kind == OpKind.Register)
        {
            EmitWriteGpr(d.I.Op0Register, value);
            return;
        }
        var offset = Temp();
        EmitEa(in d);
        _il.Emit(OpCodes.Stloc, offset);
        EmitStore(in node, d.Seg, offset, d.OpSize, value);
        Release(offset);
    }

}
