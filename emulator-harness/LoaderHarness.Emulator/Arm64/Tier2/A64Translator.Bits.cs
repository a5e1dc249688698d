using System.Reflection;
using System.Reflection.Emit;

namespace LoaderHarness.Emulator.Arm64.Tier2;

/// <summary>Bitfield moves and EXTR as IL folded from their constant masks and amounts (the interpreter's <see cref="Bitfield"/> functions, same bits); variable shifts, the one-source bit operations, multiplies and divides as calls to the interpreter's own pure functions, which the JIT inlines with constant fields; and MRS, the interpreter's own read after a spill.</summary>
internal sealed partial class A64Translator
{
    private static readonly MethodInfo ShiftVMethod = Method(typeof(Bitfield), nameof(Bitfield.ShiftVariableValue));
    private static readonly MethodInfo RbitMethod = Method(typeof(Bitfield), nameof(Bitfield.RbitValue));
    private static readonly MethodInfo Rev16Method = Method(typeof(Bitfield), nameof(Bitfield.Rev16Value));
    private static readonly MethodInfo Rev32Method = Method(typeof(Bitfield), nameof(Bitfield.Rev32Value));
    private static readonly MethodInfo RevMethod = Method(typeof(Bitfield), nameof(Bitfield.RevValue));
    private static readonly MethodInfo ClzMethod = Method(typeof(Bitfield), nameof(Bitfield.ClzValue));
    private static readonly MethodInfo ClsMethod = Method(typeof(Bitfield), nameof(Bitfield.ClsValue));
    private static readonly MethodInfo ReadSystemRegisterMethod = typeof(Arm64Cpu).GetMethod(nameof(Arm64Cpu.ReadSystemRegister), BindingFlags.Instance | BindingFlags.NonPublic, [typeof(int)])!;
    private static readonly MethodInfo UdivMethod = Method(typeof(Multiply), nameof(Multiply.UdivValue));
    private static readonly MethodInfo SdivMethod = Method(typeof(Multiply), nameof(Multiply.SdivValue));
    private static readonly MethodInfo SmulhMethod = Method(typeof(A64CompiledRuntime), nameof(A64CompiledRuntime.Smulh));
    private static readonly MethodInfo UmulhMethod = Method(typeof(A64CompiledRuntime), nameof(A64CompiledRuntime.Umulh));

    private void EmitBitsOrMultiply(in A64Node node)
    {
        ref readonly var d = ref node.D;
        switch (node.Op)
        {
            case A64Op.Sbfm:
                // Imm = wmask, Imm2 = tmask, Size = immr, Op = imms (Bitfield.SbfmValue): the sign bit src<imms>
                // replicated above the field, the rotated field below it.
                LdReg(d.Rn);
                _il.Emit(OpCodes.Ldc_I4, 63 - (int)d.Op);
                _il.Emit(OpCodes.Shl);
                _il.Emit(OpCodes.Ldc_I4, 63);
                _il.Emit(OpCodes.Shr);
                LdConst(~d.Imm2);
                _il.Emit(OpCodes.And);
                LdReg(d.Rn);
                EmitShift(3, (int)d.Size, d.Is64);
                LdConst(d.Imm & d.Imm2);
                _il.Emit(OpCodes.And);
                _il.Emit(OpCodes.Or);
                Width(d.Is64);
                break;
            case A64Op.Bfm:
                // Bitfield.BfmValue folded: dst outside wmask AND tmask, the rotated source inside it.
                LdReg(d.Rd);
                LdConst(~(d.Imm & d.Imm2));
                _il.Emit(OpCodes.And);
                LdReg(d.Rn);
                EmitShift(3, (int)d.Size, d.Is64);
                LdConst(d.Imm & d.Imm2);
                _il.Emit(OpCodes.And);
                _il.Emit(OpCodes.Or);
                Width(d.Is64);
                break;
            case A64Op.Ubfm:
                LdReg(d.Rn);
                EmitShift(3, (int)d.Size, d.Is64);
                LdConst(d.Imm & d.Imm2);
                _il.Emit(OpCodes.And);
                break;
            case A64Op.Extr:
                // Bitfield.ExtrValue: bits [lsb + width - 1 : lsb] of Rn:Rm, lsb = Size.
                if (d.Size == 0)
                {
                    LdReg(d.Rm);
                    Width(d.Is64);
                    break;
                }
                LdReg(d.Rm);
                if (!d.Is64)
                    _il.Emit(OpCodes.Conv_U4);
                _il.Emit(OpCodes.Ldc_I4, (int)d.Size);
                _il.Emit(OpCodes.Shr_Un);
                LdReg(d.Rn);
                if (!d.Is64)
                    _il.Emit(OpCodes.Conv_U4);
                _il.Emit(OpCodes.Ldc_I4, (d.Is64 ? 64 : 32) - (int)d.Size);
                _il.Emit(OpCodes.Shl);
                _il.Emit(OpCodes.Or);
                if (!d.Is64)
                    _il.Emit(OpCodes.Conv_U8);
                break;
            case A64Op.ShiftV:
                LdReg(d.Rn);
                LdReg(d.Rm);
                _il.Emit(OpCodes.Ldc_I4, (int)d.Op);
                LdBool(d.Is64);
                _il.Emit(OpCodes.Call, ShiftVMethod);
                break;
            case A64Op.Rev32:
                LdReg(d.Rn);
                _il.Emit(OpCodes.Call, Rev32Method);
                break;
            case A64Op.Rbit or A64Op.Rev16 or A64Op.Rev or A64Op.Clz or A64Op.Cls:
                LdReg(d.Rn);
                LdBool(d.Is64);
                _il.Emit(OpCodes.Call, node.Op switch
                {
                    A64Op.Rbit => RbitMethod,
                    A64Op.Rev16 => Rev16Method,
                    A64Op.Rev => RevMethod,
                    A64Op.Clz => ClzMethod,
                    _ => ClsMethod,
                });
                break;
            case A64Op.Madd:
                // Ra ± Rn × Rm in the operation's width (MADD, MSUB; MUL and MNEG are their aliases with XZR).
                LdReg(d.Ra);
                LdReg(d.Rn);
                LdReg(d.Rm);
                _il.Emit(OpCodes.Mul);
                _il.Emit(d.Op != 0 ? OpCodes.Sub : OpCodes.Add);
                Width(d.Is64);
                break;
            case A64Op.Smaddl:
                LdReg(d.Ra);
                LdReg(d.Rn);
                _il.Emit(OpCodes.Conv_I4);
                _il.Emit(OpCodes.Conv_I8);
                LdReg(d.Rm);
                _il.Emit(OpCodes.Conv_I4);
                _il.Emit(OpCodes.Conv_I8);
                _il.Emit(OpCodes.Mul);
                _il.Emit(d.Op != 0 ? OpCodes.Sub : OpCodes.Add);
                break;
            case A64Op.Umaddl:
                LdReg(d.Ra);
                LdReg(d.Rn);
                _il.Emit(OpCodes.Conv_U4);
                _il.Emit(OpCodes.Conv_U8);
                LdReg(d.Rm);
                _il.Emit(OpCodes.Conv_U4);
                _il.Emit(OpCodes.Conv_U8);
                _il.Emit(OpCodes.Mul);
                _il.Emit(d.Op != 0 ? OpCodes.Sub : OpCodes.Add);
                break;
            case A64Op.Smulh or A64Op.Umulh:
                LdReg(d.Rn);
                LdReg(d.Rm);
                _il.Emit(OpCodes.Call, node.Op == A64Op.Smulh ? SmulhMethod : UmulhMethod);
                break;
            case A64Op.Udiv or A64Op.Sdiv:
                LdReg(d.Rn);
                LdReg(d.Rm);
                LdBool(d.Is64);
                _il.Emit(OpCodes.Call, node.Op == A64Op.Udiv ? UdivMethod : SdivMethod);
                break;
            case A64Op.Mrs:
                // The read sees what the interpreter's would (NZCV, SP, DAIF, the counter's instruction count):
                // the state is spilled exact first. Imm is the register's slot (SystemInstructions.Mrs).
                EmitSpill(node.Pc, node.OwnBlockLength - node.IndexInBlock);
                _il.Emit(OpCodes.Ldarg_0);
                _il.Emit(OpCodes.Ldc_I4, (int)d.Imm);
                _il.Emit(OpCodes.Call, ReadSystemRegisterMethod);
                break;
            default:
                EmitMemory(in node);
                return;
        }
        StReg(d.Rd);
    }
}
