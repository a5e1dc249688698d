using System.Reflection.Emit;
using Iced.Intel;

namespace LoaderHarness.Emulator.X86.Tier2;

/// <summary>
/// CMPXCHG and XADD, the kernel's atomics (spin locks, reference counts, <c>try_cmpxchg</c> loops): with one vCPU a LOCK
/// prefix changes nothing. Left to the interpreter, each ended its block: 146,000 CMPXCHG and 19,000 XADD exits on the PVH
/// boot to /init. Both follow the interpreter's order of reads and writes (Arithmetic.Cmpxchg, Arithmetic.Xadd), so a
/// fault on the destination's write leaves the registers as the interpreter leaves them.
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
