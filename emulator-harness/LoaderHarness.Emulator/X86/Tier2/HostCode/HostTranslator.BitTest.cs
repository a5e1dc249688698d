using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Emulator.X86.Tier2.HostCode;

/// <summary>BT, BTS, BTR and BTC on a register, or on memory with an immediate or a register bit offset.</summary>
internal sealed partial class HostTranslator
{
    /// <summary>
    /// The host's own BT, BTS, BTR or BTC on the operand's value, its bit offset masked to the operand's width as the
    /// guest's is within the operand it reaches (SDM Vol. 2A BT, "Bit(BitBase, BitOffset)"); the modified value stored for
    /// BTS, BTR and BTC. CF is the bit; the SDM leaves OF, SF, AF and PF undefined and the interpreter keeps them and ZF
    /// (<see cref="Logic.BitTest"/>), so CF is merged into the saved flags.
    /// </summary>
    private void EmitBitTest(in GuestNode n, int size)
    {
        ref readonly var d = ref n.D;
        var writes = d.I.Mnemonic != Mnemonic.Bt;
        if (d.K0 == OperandKind.Memory && d.I.Op1Kind == OpKind.Register)
            BitStringAccess(in n, size, writes);
        else
            Access(in n, read: d.K0 == OperandKind.Memory, write: writes && d.K0 == OperandKind.Memory);
        SaveFlags();
        Load(in n, 0, size, R8);
        if (d.I.Op1Kind == OpKind.Register)
        {
            Load(in n, 1, size, R9);
            Op(d.I.Code, Sized(R8, size), Sized(R9, size));
        }
        else
            Op(d.I.Code, Sized(R8, size), (int)(d.I.GetImmediate(1) & (ulong)(size * 8 - 1)));
        SavedFlagsWith(FlagBits.CF, overflowToo: false);
        SaveComputedFlags();
        if (writes)
            StoreOp0(in n, size, R8);
    }

    /// <summary>
    /// <see cref="Access"/> for a register bit offset into memory, which addresses a bit string: the operand of
    /// <paramref name="size"/> bytes that holds the bit lies the offset's signed quotient by its width, in operands, from
    /// the effective address (SDM Vol. 2A BT: "the processor accesses memory at EA + op-size/8 × (BitOffset DIV op-size)").
    /// </summary>
    private void BitStringAccess(in GuestNode n, int size, bool write)
    {
        SaveFlags();
        EffectiveAddress(in n.D);
        Load(in n, 1, size, R9);
        switch (size)
        {
            case 2: _a.movsx(rax, r9w); break;
            case 4: _a.movsxd(rax, r9d); break;
            default: _a.mov(rax, r9); break;
        }
        _a.sar(rax, (byte)System.Numerics.BitOperations.Log2((uint)size * 8));
        _a.lea(rdi, __[rdi + rax * size]);
        WrapAddress(in n.D);
        AccessAt(in n, read: true, write);
    }
}
