using Iced.Intel;
using LoaderHarness.Emulator.Core.HostCode;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Emulator.X86.Tier2.HostCode;

/// <summary>Flags computed in host code beside the host's own (a multiplication's, a merged CF or ZF, OF) and stored to the state block.</summary>
internal sealed partial class HostTranslator
{
    /// <summary>
    /// After the host's multiplication, with its product (the low half) in <paramref name="product"/>: the flags as the interpreter records a
    /// multiplication's, CF = OF from the host's, SF, ZF and PF from the product and AF clear. Adding 0 sets those and clears
    /// CF and OF, and CF = OF is ORed back in.
    /// </summary>
    private void SaveMultiplyFlags(int size, Register product = R8)
    {
        _a.setb(al); // CF = OF, AL as the packed flags hold OF
        Op(SizedCodes.Of(HostForm.AddImm8, size), Sized(product, size), 0);
        _a.lahf();
        _a.or(ah, al); // CF
        SaveComputedFlags();
    }

    /// <summary>
    /// AX = the saved flags (<see cref="HostState.Flags"/>) with <paramref name="flag"/> (CF or ZF) replaced by the host's,
    /// and OF cleared when <paramref name="overflowToo"/> (for the caller to compute); ECX = that flag (0 or 1).
    /// </summary>
    private void SavedFlagsWith(ulong flag, bool overflowToo)
    {
        if (flag == FlagBits.CF)
            _a.setb(cl);
        else
            _a.sete(cl);
        _a.movzx(ecx, cl);
        _a.movzx(eax, __word_ptr[r12 + HostState.Flags * 8]);
        _a.and(eax, 0xFFFF & ~((int)flag << 8 | (overflowToo ? 1 : 0))); // the rest kept
        var shift = (byte)(8 + System.Numerics.BitOperations.Log2(flag)); // RFLAGS' low byte is the packed flags' second
        _a.shl(ecx, shift);
        _a.or(eax, ecx);
        _a.shr(ecx, shift);
    }

    /// <summary>ORs bit 0 of <paramref name="bit"/> into <paramref name="flags"/> as OF (bit 0 of <see cref="HostState.Flags"/>); the rest of <paramref name="bit"/> is scratch.</summary>
    private void OrOverflow(AssemblerRegister64 flags, AssemblerRegister64 bit)
    {
        _a.and(bit, 1);
        _a.or(flags, bit);
    }

    /// <summary>Stores AX, the guest's flags computed as <see cref="HostState.Flags"/> holds them: the state block holds them now, RFLAGS does not.</summary>
    private void SaveComputedFlags()
    {
        _a.mov(__word_ptr[r12 + HostState.Flags * 8], ax);
        _flags.Pending = false;
        _flags.InHost = false;
    }
}
