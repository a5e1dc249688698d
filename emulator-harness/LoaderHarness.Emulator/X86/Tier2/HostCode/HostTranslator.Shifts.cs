using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Emulator.X86.Tier2.HostCode;

/// <summary>SHL, SHR and SAR by an immediate or CL, ROL and ROR by an immediate: the host's shift or rotate, OF as the interpreter computes it.</summary>
internal sealed partial class HostTranslator
{
    /// <summary>
    /// SHL, SHR, SAR by an immediate count below the operand's width, or by CL at 32 and 64 bits (whose masked count is
    /// below the width too): the host shift gives the result, CF, ZF, SF and PF; AF (undefined) is cleared and OF computed
    /// as the interpreter does for every count (the SDM defines it only for a count of 1, as MSB(result) XOR CF, the
    /// operand's MSB, and 0). Saved at once, since that arithmetic clobbers RFLAGS. A masked CL of 0 changes nothing,
    /// flags included (SDM Vol. 2B SAL/SAR/SHL/SHR, Flags Affected): that path skips the shift and the store.
    /// </summary>
    private void EmitShift(in GuestNode n, int size)
    {
        ref readonly var d = ref n.D;
        var byCl = n.Op is GuestOp.ShlCl or GuestOp.ShrCl or GuestOp.SarCl;
        Access(in n, read: d.K0 == OperandKind.Memory, write: d.K0 == OperandKind.Memory);
        var unchanged = _a.CreateLabel();
        if (byCl)
        {
            SaveFlags(); // the path that changes nothing finds them in the state block
            Load(in n, 1, 4, Register.RCX);
            _a.and(ecx, size == 8 ? 0x3F : 0x1F);
            _a.jz(unchanged);
        }
        var form = n.Op switch
        {
            GuestOp.Shl => HostForm.Shl,
            GuestOp.Shr => HostForm.Shr,
            GuestOp.Sar => HostForm.Sar,
            GuestOp.ShlCl => HostForm.ShlCl,
            GuestOp.ShrCl => HostForm.ShrCl,
            _ => HostForm.SarCl,
        };
        if (!byCl && !n.FlagsLive && InPlace(in n) is var shifted && shifted != R8)
        {
            Op(SizedCodes.Of(form, size), Sized(shifted, size), GuestBlock.ShiftCount(in d));
            FlagsDead();
            return;
        }
        if (!byCl && !n.FlagsLive && d.K0 == OperandKind.Gpr && size != 4)
        {
            // An uncached register shifted where it lies in the array (a 32-bit result would have to zero-extend there: not that).
            Op(SizedCodes.Of(form, size), Operand(in n, 0), GuestBlock.ShiftCount(in d));
            FlagsDead();
            return;
        }
        Load(in n, 0, size, R8);
        if (n.FlagsLive)
            _a.mov(rdi, r8); // the operand, for OF; the address is no longer needed once the pointers are in RSI and RDX
        if (byCl)
            Op(SizedCodes.Of(form, size), Sized(R8, size), Register.CL);
        else
            Op(SizedCodes.Of(form, size), Sized(R8, size), GuestBlock.ShiftCount(in d));
        if (!n.FlagsLive)
        {
            FlagsDead();
            StoreOp0(in n, size, R8);
            _a.Label(ref unchanged);
            _a.zero_bytes();
            return;
        }
        _a.lahf();
        _a.and(eax, 0xFF00 & ~((int)FlagBits.AF << 8)); // AF cleared, OF (AL) 0 until computed
        if (form is not (HostForm.Sar or HostForm.SarCl))
        {
            var left = form is HostForm.Shl or HostForm.ShlCl;
            _a.mov(rcx, left ? r8 : rdi);
            _a.shr(rcx, (byte)(size * 8 - 1));
            if (left)
            {
                _a.movzx(edi, ah); // CF is its bit 0; RDI (the operand) is not needed for a left shift
                _a.xor(ecx, edi);
            }
            OrOverflow(rax, rcx);
        }
        SaveComputedFlags();
        StoreOp0(in n, size, R8);
        _a.Label(ref unchanged);
        _a.zero_bytes(); // Iced takes one label per instruction: the next node may start a basic block with its own
    }

    /// <summary>
    /// ROL and ROR by an immediate count at 32 and 64 bits (masked to 5 or 6 bits, so below the width; 0 is a NOP the
    /// front end drops): the host rotate gives the result and CF (the bit rotated into it); SF, ZF, AF and PF are kept
    /// (SDM Vol. 2B RCL/RCR/ROL/ROR, Flags Affected). OF is defined there for a count of 1 only; the interpreter gives
    /// every count that formula (<c>Shifts.Rol</c>, <c>Shifts.Ror</c>): MSB(result) XOR CF for ROL, the result's two
    /// top bits XORed for ROR.
    /// </summary>
    private void EmitRotate(in GuestNode n, int size)
    {
        ref readonly var d = ref n.D;
        Access(in n, read: d.K0 == OperandKind.Memory, write: d.K0 == OperandKind.Memory);
        var left = n.Op == GuestOp.Rol;
        if (!n.FlagsLive)
        {
            var rotated = InPlace(in n);
            if (rotated == R8)
                Load(in n, 0, size, R8);
            Op(SizedCodes.Of(left ? HostForm.Rol : HostForm.Ror, size), Sized(rotated, size), GuestBlock.ShiftCount(in d));
            FlagsDead();
            if (rotated == R8)
                StoreOp0(in n, size, R8);
            return;
        }
        SaveFlags();
        Load(in n, 0, size, R8);
        Op(SizedCodes.Of(left ? HostForm.Rol : HostForm.Ror, size), Sized(R8, size), GuestBlock.ShiftCount(in d));
        SavedFlagsWith(FlagBits.CF, overflowToo: true);
        _a.mov(rdi, r8);
        if (left)
        {
            _a.shr(rdi, (byte)(size * 8 - 1));
            _a.xor(edi, ecx);
        }
        else
        {
            _a.shr(rdi, (byte)(size * 8 - 2));
            _a.mov(ecx, edi);
            _a.shr(ecx, 1);
            _a.xor(edi, ecx);
        }
        OrOverflow(rax, rdi);
        SaveComputedFlags();
        StoreOp0(in n, size, R8);
    }

    /// <summary>
    /// SHLD and SHRD r/m, r, imm8 at 32 and 64 bits, a count of 1 to the width less 1: the host's own gives the result, CF
    /// (the last bit shifted out), ZF, SF and PF; AF is cleared and OF set where the sign changed, for every count, as the
    /// interpreter does (<c>Shifts.Shld</c>, <c>Shifts.Shrd</c>; the SDM defines OF only for a count of 1, and AF not at all).
    /// The kernel's <c>native_sched_clock</c> and <c>__update_load_avg_se</c> run SHRD, about 27,000 stops at refused blocks
    /// on the PVH boot to /init.
    /// </summary>
    private void EmitDoubleShift(in GuestNode n, int size)
    {
        ref readonly var d = ref n.D;
        Access(in n, read: d.K0 == OperandKind.Memory, write: d.K0 == OperandKind.Memory);
        Load(in n, 0, size, R8);
        var source = Cached(in n, 1);
        if (source == Register.None)
        {
            Load(in n, 1, size, R9);
            source = R9;
        }
        if (n.FlagsLive)
            _a.mov(rdi, r8); // the operand, for OF
        var code = (d.I.Mnemonic == Mnemonic.Shld, size) switch
        {
            (true, 4) => Code.Shld_rm32_r32_imm8,
            (true, _) => Code.Shld_rm64_r64_imm8,
            (false, 4) => Code.Shrd_rm32_r32_imm8,
            _ => Code.Shrd_rm64_r64_imm8,
        };
        _a.AddInstruction(Instruction.Create(code, Sized(R8, size), Sized(source, size), d.I.Immediate8 & (size == 8 ? 0x3F : 0x1F)));
        if (!n.FlagsLive)
            FlagsDead();
        else
        {
            _a.lahf();
            _a.and(eax, 0xFF00 & ~((int)FlagBits.AF << 8)); // AF cleared, OF (AL) 0 until computed
            _a.mov(rcx, r8);
            _a.xor(rcx, rdi);
            _a.shr(rcx, (byte)(size * 8 - 1)); // the sign bit changed (a 32-bit operand's upper half is zero in both)
            OrOverflow(rax, rcx);
            SaveComputedFlags();
        }
        StoreOp0(in n, size, R8);
    }
}
