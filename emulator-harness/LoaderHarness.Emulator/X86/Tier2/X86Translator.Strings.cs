using System.Reflection.Emit;
using Iced.Intel;

namespace LoaderHarness.Emulator.X86.Tier2;

/// <summary>
/// STOS and MOVS of one element (no REP prefix: the kernel's <c>memset</c> and <c>memcpy</c> tails and its inlined
/// copies of small structures; 174,000 exits on the PVH boot to /init when they were left to the interpreter). The
/// direction comes from the CPU's DF at run time: only instructions left to the interpreter change it.
/// </summary>
internal sealed partial class X86Translator
{
    /// <summary>
    /// As Strings.Stos and Strings.MoveOne: STOS writes the accumulator at ES:RDI; MOVS reads at RSI in its segment and writes
    /// at ES:RDI; then RSI and RDI step by the element size, down when DF is set (SDM Vol. 2B STOS, MOVS). The address
    /// registers move only after the accesses, so a fault leaves them as they were.
    /// </summary>
    private void EmitString(in GuestNode node)
    {
        ref readonly var d = ref node.D;
        var size = (int)d.MemSize;
        var addrSize = (int)d.AddrSize;
        var movs = node.Op == GuestOp.Movs;
        if (movs)
        {
            var source = AddressRegister(6, d.AddrMask);
            EmitLoad(in node, d.Seg, source, size);
            Release(source);
        }
        else
            EmitReadGpr(size switch { 1 => Register.AL, 2 => Register.AX, 4 => Register.EAX, _ => Register.RAX });
        var value = Store();
        var destination = AddressRegister(7, d.AddrMask);
        EmitStore(in node, (int)SegmentRegister.Es, destination, size, value);
        Release(destination);
        Release(value);
        // step = size, or −size when DF is set: size − DF × 2·size.
        LdConst((ulong)size);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldfld, FlagsRestField);
        _il.Emit(OpCodes.Ldc_I4, System.Numerics.BitOperations.Log2(FlagBits.DF));
        _il.Emit(OpCodes.Shr_Un);
        LdConst(1);
        _il.Emit(OpCodes.And);
        LdConst(2 * (ulong)size);
        _il.Emit(OpCodes.Mul);
        _il.Emit(OpCodes.Sub);
        var step = Store();
        if (movs)
            Advance(6);
        Advance(7);
        Release(step);

        void Advance(int slot)
        {
            _il.Emit(OpCodes.Ldloc, _g[slot]);
            _il.Emit(OpCodes.Ldloc, step);
            _il.Emit(OpCodes.Add);
            MaskTo(addrSize); // a 32-bit address register is zero-extended (Strings.SetAddrReg); 16-bit ones are not compiled
            _il.Emit(OpCodes.Stloc, _g[slot]);
        }
    }

    /// <summary>A temp holding general register <paramref name="slot"/> masked to the address size.</summary>
    private LocalBuilder AddressRegister(int slot, ulong addrMask)
    {
        _il.Emit(OpCodes.Ldloc, _g[slot]);
        if (addrMask != ulong.MaxValue)
        {
            LdConst(addrMask);
            _il.Emit(OpCodes.And);
        }
        return Store();
    }
}
