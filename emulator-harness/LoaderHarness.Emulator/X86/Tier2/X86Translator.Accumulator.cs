using System.Buffers.Binary;
using System.Reflection;
using System.Reflection.Emit;
using Iced.Intel;

namespace LoaderHarness.Emulator.X86.Tier2;

/// <summary>The accumulator's sign extensions and BSWAP: register moves that leave the flags alone (SDM Vol. 2A CBW/CWDE/CDQE, CWD/CDQ/CQO, BSWAP).</summary>
internal sealed partial class X86Translator
{
    private static readonly MethodInfo Reverse64 = typeof(BinaryPrimitives).GetMethod(nameof(BinaryPrimitives.ReverseEndianness), [typeof(ulong)])!;
    private static readonly MethodInfo Reverse32 = typeof(BinaryPrimitives).GetMethod(nameof(BinaryPrimitives.ReverseEndianness), [typeof(uint)])!;

    /// <summary>CBW, CWDE, CDQE: the lower half of the accumulator sign-extended into all of it; CWD, CDQ, CQO: its sign copied into every bit of DX, EDX or RDX.</summary>
    private void EmitConvertAccumulator(Code code)
    {
        var (from, to) = code switch
        {
            Code.Cbw => (Register.AL, Register.AX),
            Code.Cwde => (Register.AX, Register.EAX),
            Code.Cdqe => (Register.EAX, Register.RAX),
            Code.Cwd => (Register.AX, Register.DX),
            Code.Cdq => (Register.EAX, Register.EDX),
            _ => (Register.RAX, Register.RDX),
        };
        EmitReadGpr(from);
        if (from != Register.RAX)
        {
            _il.Emit(from switch { Register.AL => OpCodes.Conv_I1, Register.AX => OpCodes.Conv_I2, _ => OpCodes.Conv_I4 });
            _il.Emit(OpCodes.Conv_I8);
        }
        if (to is Register.DX or Register.EDX or Register.RDX)
        {
            _il.Emit(OpCodes.Ldc_I4, 63);
            _il.Emit(OpCodes.Shr); // arithmetic: every bit the sign
        }
        var v = Store();
        EmitWriteGpr(to, v);
        Release(v);
    }

    /// <summary>BSWAP of a 32- or 64-bit register: its bytes in reverse order (a 32-bit one zero-extended, as any 32-bit write).</summary>
    private void EmitBswap(Register register, int size)
    {
        EmitReadGpr(register);
        if (size == 4)
        {
            _il.Emit(OpCodes.Conv_U4);
            _il.Emit(OpCodes.Call, Reverse32);
            _il.Emit(OpCodes.Conv_U8);
        }
        else
            _il.Emit(OpCodes.Call, Reverse64);
        var v = Store();
        EmitWriteGpr(register, v);
        Release(v);
    }
}
