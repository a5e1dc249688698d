using System.Reflection;
using System.Reflection.Emit;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Arm64.Tier2;

/// <summary>
/// Loads and stores in the interpreter's order of effects (<see cref="LoadStore"/>): the address, the access
/// (or both accesses of a pair), then base write-back, then the loaded registers. Every access is the shared
/// TLB fast path inlined; a miss calls the interpreter's own access path (<see cref="Core.Tiering.BlockFrame.EmitSlowCall"/>).
/// </summary>
internal sealed unsafe partial class A64Translator
{
    private static readonly MethodInfo TryReadMethod = typeof(Arm64Cpu).GetMethod(nameof(Arm64Cpu.TryRead), BindingFlags.Instance | BindingFlags.NonPublic)!;
    private static readonly MethodInfo TryWriteMethod = typeof(Arm64Cpu).GetMethod(nameof(Arm64Cpu.TryWrite), BindingFlags.Instance | BindingFlags.NonPublic)!;

    private void EmitMemory(in A64Node node)
    {
        ref readonly var d = ref node.D;
        var address = Temp();
        // The address: base + offset, base alone (post-index), base + extended register, or PC + offset.
        switch (node.Op)
        {
            case A64Op.LoadPost or A64Op.StorePost or A64Op.LoadPairPost or A64Op.StorePairPost:
                LdReg(d.Rn);
                break;
            case A64Op.LoadRegister or A64Op.StoreRegister:
                LdReg(d.Rn);
                LdReg(d.Rm);
                EmitExtend((int)d.Ra, (int)d.Imm2);
                _il.Emit(OpCodes.Add);
                break;
            case A64Op.LoadLiteral:
                LdConst(node.Pc + d.Imm);
                break;
            default:
                LdReg(d.Rn);
                LdConst(d.Imm);
                _il.Emit(OpCodes.Add);
                break;
        }
        _il.Emit(OpCodes.Stloc, address);
        var size = (int)d.Size;
        switch (node.Op)
        {
            case A64Op.LoadOffset or A64Op.LoadRegister or A64Op.LoadLiteral:
                {
                    var v = EmitLoad(in node, address, 0);
                    _il.Emit(OpCodes.Ldloc, v);
                    StReg(d.Rd);
                    Release(v);
                    break;
                }
            case A64Op.LoadPre or A64Op.LoadPost:
                {
                    var v = EmitLoad(in node, address, 0);
                    WriteBack(in node, address);
                    _il.Emit(OpCodes.Ldloc, v);
                    StReg(d.Rd);
                    Release(v);
                    break;
                }
            case A64Op.StoreOffset or A64Op.StoreRegister or A64Op.StorePre or A64Op.StorePost:
                {
                    LdReg(d.Rd);
                    var v = Store();
                    EmitStore(in node, address, 0, size, v);
                    Release(v);
                    WriteBack(in node, address);
                    break;
                }
            case A64Op.LoadPair or A64Op.LoadPairPre or A64Op.LoadPairPost:
                {
                    var first = EmitLoad(in node, address, 0);
                    var second = EmitLoad(in node, address, size);
                    WriteBack(in node, address);
                    _il.Emit(OpCodes.Ldloc, first);
                    StReg(d.Rd);
                    _il.Emit(OpCodes.Ldloc, second);
                    StReg(d.Ra);
                    Release(first);
                    Release(second);
                    break;
                }
            default:
                {
                    LdReg(d.Rd);
                    var first = Store();
                    LdReg(d.Ra);
                    var second = Store();
                    EmitStore(in node, address, 0, size, first);
                    EmitStore(in node, address, size, size, second);
                    WriteBack(in node, address);
                    Release(first);
                    Release(second);
                    break;
                }
        }
        Release(address);
    }

    /// <summary>Pre-index writes the address back, post-index the address plus the offset; other forms leave the base.</summary>
    private void WriteBack(in A64Node node, LocalBuilder address)
    {
        switch (node.Op)
        {
            case A64Op.LoadPre or A64Op.StorePre or A64Op.LoadPairPre or A64Op.StorePairPre:
                _il.Emit(OpCodes.Ldloc, address);
                StReg(node.D.Rn);
                break;
            case A64Op.LoadPost or A64Op.StorePost or A64Op.LoadPairPost or A64Op.StorePairPost:
                _il.Emit(OpCodes.Ldloc, address);
                LdConst(node.D.Imm);
                _il.Emit(OpCodes.Add);
                StReg(node.D.Rn);
                break;
        }
    }

    /// <summary>A new temp holding the <c>Size</c> bytes at <paramref name="address"/> + <paramref name="offset"/>, sign-extended as the load says.</summary>
    private LocalBuilder EmitLoad(in A64Node node, LocalBuilder address, int offset)
    {
        ref readonly var d = ref node.D;
        var size = (int)d.Size;
        var at = AddressPlus(address, offset);
        var value = Temp();
        var done = _il.DefineLabel();
        var miss = _il.DefineLabel();
        var host = EmitTlbHit(at, size, false, miss);
        _il.Emit(OpCodes.Ldloc, host);
        _il.Emit(OpCodes.Unaligned, (byte)1);
        _il.Emit(size switch { 1 => OpCodes.Ldind_U1, 2 => OpCodes.Ldind_U2, 4 => OpCodes.Ldind_U4, _ => OpCodes.Ldind_I8 });
        if (size != 8)
            _il.Emit(OpCodes.Conv_U8);
        _il.Emit(OpCodes.Stloc, value);
        _il.Emit(OpCodes.Br, done);
        _il.MarkLabel(miss);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldloc, at);
        _il.Emit(OpCodes.Ldc_I4, size);
        EmitSlowCall(node.Pc, node.OwnBlockLength - node.IndexInBlock, TryReadMethod);
        EmitSlowValue();
        _il.Emit(OpCodes.Stloc, value);
        _il.MarkLabel(done);
        if ((d.Op & A64Decoder.LoadSigned) != 0)
        {
            _il.Emit(OpCodes.Ldloc, value);
            _il.Emit(size switch { 1 => OpCodes.Conv_I1, 2 => OpCodes.Conv_I2, _ => OpCodes.Conv_I4 });
            _il.Emit(OpCodes.Conv_I8);
            Width((d.Op & A64Decoder.LoadSigned64) != 0);
            _il.Emit(OpCodes.Stloc, value);
        }
        if (at != address)
            Release(at);
        return value;
    }

    /// <summary>Writes <paramref name="size"/> bytes of <paramref name="value"/> at <paramref name="address"/> + <paramref name="offset"/>.</summary>
    private void EmitStore(in A64Node node, LocalBuilder address, int offset, int size, LocalBuilder value)
    {
        var at = AddressPlus(address, offset);
        var done = _il.DefineLabel();
        var miss = _il.DefineLabel();
        var host = EmitTlbHit(at, size, true, miss);
        _il.Emit(OpCodes.Ldloc, host);
        _il.Emit(OpCodes.Ldloc, value);
        if (size != 8)
            _il.Emit(size switch { 1 => OpCodes.Conv_U1, 2 => OpCodes.Conv_U2, _ => OpCodes.Conv_U4 });
        _il.Emit(OpCodes.Unaligned, (byte)1);
        _il.Emit(size switch { 1 => OpCodes.Stind_I1, 2 => OpCodes.Stind_I2, 4 => OpCodes.Stind_I4, _ => OpCodes.Stind_I8 });
        _il.Emit(OpCodes.Br, done);
        _il.MarkLabel(miss);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldloc, at);
        _il.Emit(OpCodes.Ldc_I4, size);
        _il.Emit(OpCodes.Ldloc, value);
        EmitSlowCall(node.Pc, node.OwnBlockLength - node.IndexInBlock, TryWriteMethod);
        _il.MarkLabel(done);
        if (at != address)
            Release(at);
    }

    private LocalBuilder AddressPlus(LocalBuilder address, int offset)
    {
        if (offset == 0)
            return address;
        _il.Emit(OpCodes.Ldloc, address);
        LdConst((ulong)offset);
        _il.Emit(OpCodes.Add);
        return Store();
    }
}
