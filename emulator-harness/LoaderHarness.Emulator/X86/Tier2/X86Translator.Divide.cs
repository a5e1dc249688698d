using System.Reflection;
using System.Reflection.Emit;
using Iced.Intel;

namespace LoaderHarness.Emulator.X86.Tier2;

/// <summary>
/// DIV r/m32 and r/m64. Left to the interpreter, each DIV ended its block: the kernel's RSA arithmetic
/// (<c>mpihelp_divrem</c>, a DIV each limb) left compiled code 857,000 times on the PVH boot to /init.
/// </summary>
internal sealed partial class X86Translator
{
    private static readonly MethodInfo DivideWideMethod = Runtime(nameof(CompiledRuntime.DivideWide));

    /// <summary>
    /// RDX:RAX (EDX:EAX) divided by the operand: quotient to RAX, remainder to RDX. The quotient fits exactly when the
    /// high half is below the divisor, which also rules out a divisor of 0; otherwise #DE is raised at this instruction
    /// with the state exact, as the interpreter raises it (SDM Vol. 2A DIV: "#DE if the source operand is 0, or if the
    /// quotient is too large for the designated register"). The flags are left as they are (undefined after DIV; the
    /// interpreter keeps them).
    /// </summary>
    private void EmitDiv(in GuestNode node, int size)
    {
        var wide = size == 8;
        EmitReadOperand(in node, 0, size);
        var divisor = Store();
        EmitReadGpr(wide ? Register.RDX : Register.EDX);
        var high = Store();
        var fits = _il.DefineLabel();
        _il.Emit(OpCodes.Ldloc, high);
        _il.Emit(OpCodes.Ldloc, divisor);
        _il.Emit(OpCodes.Blt_Un, fits);
        EmitExit(node.Rip, node.OwnBlockLength - node.IndexInBlock); // the interpreter runs it again and raises #DE
        _il.MarkLabel(fits);
        var remainder = Temp();
        if (wide)
        {
            _il.Emit(OpCodes.Ldloc, high);
            EmitReadGpr(Register.RAX);
            _il.Emit(OpCodes.Ldloc, divisor);
            _il.Emit(OpCodes.Ldloca, remainder);
            _il.Emit(OpCodes.Call, DivideWideMethod);
        }
        else
        {
            _il.Emit(OpCodes.Ldloc, high);
            _il.Emit(OpCodes.Ldc_I4, 32);
            _il.Emit(OpCodes.Shl);
            EmitReadGpr(Register.EAX);
            _il.Emit(OpCodes.Or);
            var dividend = Store();
            _il.Emit(OpCodes.Ldloc, dividend);
            _il.Emit(OpCodes.Ldloc, divisor);
            _il.Emit(OpCodes.Rem_Un);
            _il.Emit(OpCodes.Stloc, remainder);
            _il.Emit(OpCodes.Ldloc, dividend);
            _il.Emit(OpCodes.Ldloc, divisor);
            _il.Emit(OpCodes.Div_Un);
            Release(dividend);
        }
        var quotient = Store();
        EmitWriteGpr(wide ? Register.RAX : Register.EAX, quotient);
        EmitWriteGpr(wide ? Register.RDX : Register.EDX, remainder);
        Release(quotient);
        Release(remainder);
        Release(high);
        Release(divisor);
    }
}
