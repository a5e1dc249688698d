using System.Reflection;
using System.Reflection.Emit;
using Iced.Intel;

namespace LoaderHarness.Emulator.X86.Tier2;

/// <summary>
/// One-operand MUL and IMUL r/m32 and r/m64. Left to the interpreter, each ended its block, as DIV did before it
/// (X86Translator.Divide): Debian's 6.1 amd64 kernel text holds 2,217 of them, about as many as DIVs (2,153).
/// </summary>
internal sealed partial class X86Translator
{
    private static readonly MethodInfo MulWideMethod = Runtime(nameof(CompiledRuntime.MulWide));

    /// <summary>RDX:RAX (EDX:EAX, both zero-extended) = the accumulator × the operand, with the flags the interpreter records.</summary>
    private void EmitMulWide(in GuestNode node, int size)
    {
        var wide = size == 8;
        EmitReadOperand(in node, 0, size); // the operand first: MUL RAX reads the accumulator twice, still before any write
        var y = Store();
        EmitReadGpr(wide ? Register.RAX : Register.EAX);
        _il.Emit(OpCodes.Ldloc, y);
        _il.Emit(OpCodes.Ldc_I4, size);
        _il.Emit(node.D.I.Mnemonic == Mnemonic.Imul ? OpCodes.Ldc_I4_1 : OpCodes.Ldc_I4_0);
        var high = Temp();
        var flags = Temp();
        _il.Emit(OpCodes.Ldloca, high);
        _il.Emit(OpCodes.Ldloca, flags);
        _il.Emit(OpCodes.Call, MulWideMethod);
        var low = Store();
        EmitWriteGpr(wide ? Register.RAX : Register.EAX, low);
        EmitWriteGpr(wide ? Register.RDX : Register.EDX, high);
        EmitSetArith(in node, flags);
        Release(low);
        Release(flags);
        Release(high);
        Release(y);
    }
}
