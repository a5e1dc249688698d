using System.Reflection.Emit;
using Iced.Intel;

namespace LoaderHarness.Emulator.X86.Tier2;

/// <summary>
/// CMPXCHG, CMPXCHG8B/16B and XADD, the kernel's atomics (spin locks, reference counts, <c>try_cmpxchg</c> loops, the
/// SLUB allocator's double-word freelist updates): with one vCPU a LOCK prefix changes nothing. Left to the interpreter,
/// each ended its block: 146,000 CMPXCHG, 20,000 CMPXCHG16B and 19,000 XADD exits on the PVH boot to /init. All follow the
/// interpreter's order of reads and writes (Arithmetic.Cmpxchg, Cmpxchg8b, Xadd), so a fault on a write leaves the
/// registers as the interpreter leaves them.
/// </summary>
internal sealed partial class X86Translator
{
    /// <summary>
    /// CMPXCHG r/m, r: the accumulator compared with the destination; equal, the source is written to the destination,
    /// else the destination is written back to itself (SDM Vol. 2A CMPXCHG: "the destination operand is written back if the
    /// comparison fails") and loaded into the accumulator. Flags as CMP accumulator, destination.
    /// </summary>
    private void EmitCmpxchg(in GuestNode node, int size)
    {
        ref readonly var d = ref node.D;
        var accumulator = size switch { 1 => Register.AL, 2 => Register.AX, 4 => Register.EAX, _ => Register.RAX };
        EmitReadGpr(accumulator);
        var a = Store();
        EmitReadOperand(in node, 0, size);
        var dest = Store();
        EmitReadGpr(d.I.Op1Register);
        var written = Store();
        var equal = _il.DefineLabel();
        Ld(a, dest);
        _il.Emit(OpCodes.Beq, equal);
        _il.Emit(OpCodes.Ldloc, dest);
        _il.Emit(OpCodes.Stloc, written);
        _il.MarkLabel(equal);
        EmitWriteOp0(in node, written);
        var done = _il.DefineLabel();
        Ld(a, dest);
        _il.Emit(OpCodes.Beq, done);
        EmitWriteGpr(accumulator, dest);
        _il.MarkLabel(done);
        Ld(a, dest);
        _il.Emit(OpCodes.Sub);
        MaskTo(size);
        var r = Store();
        EmitSetLazy(in node, LazyOp.Sub, size, a, dest, 0, r, null);
        Release(a);
        Release(dest);
        Release(written);
        Release(r);
    }

    /// <summary>
    /// CMPXCHG8B m64 and CMPXCHG16B m128, as Arithmetic.Cmpxchg8b: both halves read, compared with EDX:EAX (RDX:RAX); equal,
    /// ECX:EBX (RCX:RBX) is written, else the halves read are written back and loaded into EDX:EAX. ZF says which, the other
    /// flags are kept. CMPXCHG16B's operand must be 16-byte aligned, else #GP(0) before any access (SDM Vol. 2A
    /// CMPXCHG8B/CMPXCHG16B).
    /// </summary>
    private void EmitCmpxchgDouble(in GuestNode node)
    {
        ref readonly var d = ref node.D;
        var half = d.I.Code == Code.Cmpxchg16b_m128 ? 8 : 4;
        EmitEa(in d);
        var low = Store();
        if (half == 8)
        {
            var aligned = _il.DefineLabel();
            _il.Emit(OpCodes.Ldloc, low);
            LdConst(15);
            _il.Emit(OpCodes.And);
            LdConst(0);
            _il.Emit(OpCodes.Beq, aligned);
            EmitExit(node.Rip, node.OwnBlockLength - node.IndexInBlock); // the interpreter runs it again and raises #GP
            _il.MarkLabel(aligned);
        }
        _il.Emit(OpCodes.Ldloc, low);
        LdConst((ulong)half);
        _il.Emit(OpCodes.Add);
        if (d.AddrMask != ulong.MaxValue)
        {
            LdConst(d.AddrMask);
            _il.Emit(OpCodes.And);
        }
        var high = Store();
        EmitLoad(in node, d.Seg, low, half);
        var lo = Store();
        EmitLoad(in node, d.Seg, high, half);
        var hi = Store();
        _il.Emit(OpCodes.Ldloc, lo);
        EmitReadGpr(half == 8 ? Register.RAX : Register.EAX);
        _il.Emit(OpCodes.Ceq);
        _il.Emit(OpCodes.Ldloc, hi);
        EmitReadGpr(half == 8 ? Register.RDX : Register.EDX);
        _il.Emit(OpCodes.Ceq);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Conv_U8);
        var equal = Store();
        var differ = _il.DefineLabel();
        var done = _il.DefineLabel();
        _il.Emit(OpCodes.Ldloc, equal);
        _il.Emit(OpCodes.Brfalse, differ);
        EmitStore(in node, d.Seg, low, half, _g[3]);
        EmitStore(in node, d.Seg, high, half, _g[1]);
        _il.Emit(OpCodes.Br, done);
        _il.MarkLabel(differ);
        EmitStore(in node, d.Seg, low, half, lo);
        EmitStore(in node, d.Seg, high, half, hi);
        EmitWriteGpr(half == 8 ? Register.RAX : Register.EAX, lo);
        EmitWriteGpr(half == 8 ? Register.RDX : Register.EDX, hi);
        _il.MarkLabel(done);
        var flags = Temp();
        if (node.FlagsLive)
        {
            EmitArithFlags();
            LdConst(~FlagBits.ZF);
            _il.Emit(OpCodes.And);
            _il.Emit(OpCodes.Ldloc, equal);
            _il.Emit(OpCodes.Ldc_I4, System.Numerics.BitOperations.Log2(FlagBits.ZF));
            _il.Emit(OpCodes.Shl);
            _il.Emit(OpCodes.Or);
            _il.Emit(OpCodes.Stloc, flags);
        }
        EmitSetArith(in node, flags);
        Release(flags);
        Release(equal);
        Release(hi);
        Release(lo);
        Release(high);
        Release(low);
    }

    /// <summary>XADD r/m, r: the sum to the destination, the destination's old value to the source register (written first, as the interpreter does). Flags as ADD.</summary>
    private void EmitXadd(in GuestNode node, int size)
    {
        ref readonly var d = ref node.D;
        EmitReadOperand(in node, 0, size);
        var a = Store();
        EmitReadGpr(d.I.Op1Register);
        var b = Store();
        Ld(a, b);
        _il.Emit(OpCodes.Add);
        MaskTo(size);
        var r = Store();
        EmitWriteGpr(d.I.Op1Register, a);
        EmitWriteOp0(in node, r);
        EmitSetLazy(in node, LazyOp.Add, size, a, b, 0, r, null);
        Release(a);
        Release(b);
        Release(r);
    }
}
