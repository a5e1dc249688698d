using Iced.Intel;

namespace LoaderHarness.Emulator.X86.Tier2.HostCode;

/// <summary>BT, BTS, BTR and BTC on a register, or on memory with an immediate bit offset.</summary>
internal sealed partial class HostTranslator
{
    /// <summary>
    /// The host's own BT, BTS, BTR or BTC on the operand's value, its bit offset masked to the operand's width as the
    /// guest's is for these forms (SDM Vol. 2A BT: a register or immediate offset into a register, an immediate one into
    /// memory); the modified value stored for BTS, BTR and BTC. CF is the bit; the SDM leaves OF, SF, AF and PF undefined
    /// and the interpreter keeps them and ZF (<see cref="Logic.BitTest"/>), so CF is merged into the saved flags. A
    /// register offset into memory addresses a bit string beyond the operand: left to the interpreter.
    /// </summary>
    private void EmitBitTest(in GuestNode n, int size)
    {
        ref readonly var d = ref n.D;
        var writes = d.I.Mnemonic != Mnemonic.Bt;
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
        SavedFlagsWithCarry(overflowToo: false);
        SaveComputedFlags();
        if (writes)
            StoreOp0(in n, size, R8);
    }
}
