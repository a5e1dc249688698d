using Iced.Intel;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// Instruction handlers for the minimal x87/SSE state early kernel code touches: FNINIT, FNSTSW, FNSTCW,
/// FLDCW, FNCLEX, LDMXCSR/STMXCSR, FXSAVE/FXRSTOR (SDM Vol. 1 Table 10-2 layout), and the SSE2 moves and
/// bitwise logic used for memcpy/memset and register clearing. No floating-point arithmetic.
/// </summary>
internal static unsafe class Fpu
{
    /// <summary>Adds the handlers, by mnemonic, to the dispatch table's handlers of legacy-encoded instructions (not the VEX/EVEX forms).</summary>
    public static void Install(delegate*<X86Cpu, ref DecodedInstruction, void>[] legacyByMnemonic)
    {
        void Set(Mnemonic m, delegate*<X86Cpu, ref DecodedInstruction, void> h) => legacyByMnemonic[(int)m] = h;
        Set(Mnemonic.Fninit, &Fninit);
        Set(Mnemonic.Fnstsw, &Fnstsw);
        Set(Mnemonic.Fnstcw, &Fnstcw);
        Set(Mnemonic.Fldcw, &Fldcw);
        Set(Mnemonic.Fnclex, &Fnclex);
        Set(Mnemonic.Ldmxcsr, &Ldmxcsr);
        Set(Mnemonic.Stmxcsr, &Stmxcsr);
        Set(Mnemonic.Fxsave, &Fxsave);
        Set(Mnemonic.Fxsave64, &Fxsave);
        Set(Mnemonic.Fxrstor, &Fxrstor);
        Set(Mnemonic.Fxrstor64, &Fxrstor);
        Set(Mnemonic.Emms, &DataMovement.Nop);
        foreach (var m in new[] { Mnemonic.Movaps, Mnemonic.Movups, Mnemonic.Movapd, Mnemonic.Movupd, Mnemonic.Movdqa, Mnemonic.Movdqu, Mnemonic.Movntdq, Mnemonic.Movntps })
            Set(m, &Move128);
        Set(Mnemonic.Movq, &MoveScalar);
        Set(Mnemonic.Movd, &MoveScalar);
        foreach (var m in new[] { Mnemonic.Pxor, Mnemonic.Xorps, Mnemonic.Xorpd, Mnemonic.Pand, Mnemonic.Andps, Mnemonic.Andpd,
                     Mnemonic.Por, Mnemonic.Orps, Mnemonic.Orpd, Mnemonic.Pandn, Mnemonic.Andnps, Mnemonic.Andnpd })
            Set(m, &Logic128);
    }

    private static void Fninit(X86Cpu c, ref DecodedInstruction d)
    {
        c.Fcw = 0x37F;
        c.Fsw = 0;
        c.FtwAbridged = 0;
    }

    private static void Fnstsw(X86Cpu c, ref DecodedInstruction d)
    {
        if (d.I.Op0Kind == OpKind.Register)
            c.WriteReg(d.I.Op0Register, c.Fsw);
        else
            c.WriteMem(d.Seg, c.Ea(ref d), 2, c.Fsw);
    }

    private static void Fnstcw(X86Cpu c, ref DecodedInstruction d) => c.WriteMem(d.Seg, c.Ea(ref d), 2, c.Fcw);

    private static void Fldcw(X86Cpu c, ref DecodedInstruction d) => c.Fcw = (ushort)c.ReadMem(d.Seg, c.Ea(ref d), 2);

    private static void Fnclex(X86Cpu c, ref DecodedInstruction d) => c.Fsw &= 0x7F00;

    private const uint MxcsrMask = 0xFFFF;

    private static void Ldmxcsr(X86Cpu c, ref DecodedInstruction d)
    {
        var v = (uint)c.ReadMem(d.Seg, c.Ea(ref d), 4);
        if ((v & ~MxcsrMask) != 0)
            c.Throw(ExceptionVector.GeneralProtection);
        c.Mxcsr = v;
    }

    private static void Stmxcsr(X86Cpu c, ref DecodedInstruction d) => c.WriteMem(d.Seg, c.Ea(ref d), 4, c.Mxcsr);

    private static int XmmCount(X86Cpu c) => c.Mode64 ? 16 : 8;

    private static void Fxsave(X86Cpu c, ref DecodedInstruction d)
    {
        var ea = c.Ea(ref d);
        if ((ea & 15) != 0)
            c.Throw(ExceptionVector.GeneralProtection);
        c.WriteMem(d.Seg, ea, 2, c.Fcw);
        c.WriteMem(d.Seg, ea + 2, 2, c.Fsw);
        c.WriteMem(d.Seg, ea + 4, 2, c.FtwAbridged);
        for (ulong o = 6; o < 24; o += 2)
            c.WriteMem(d.Seg, ea + o, 2, 0);
        c.WriteMem(d.Seg, ea + 24, 4, c.Mxcsr);
        c.WriteMem(d.Seg, ea + 28, 4, MxcsrMask);
        for (ulong o = 32; o < 160; o += 8)
            c.WriteMem(d.Seg, ea + o, 8, 0);
        for (var i = 0; i < XmmCount(c); i++)
        {
            c.WriteMem(d.Seg, ea + 160 + (ulong)i * 16, 8, c.Xmm[i * 2]);
            c.WriteMem(d.Seg, ea + 168 + (ulong)i * 16, 8, c.Xmm[i * 2 + 1]);
        }
    }

    private static void Fxrstor(X86Cpu c, ref DecodedInstruction d)
    {
        var ea = c.Ea(ref d);
        if ((ea & 15) != 0)
            c.Throw(ExceptionVector.GeneralProtection);
        var mxcsr = (uint)c.ReadMem(d.Seg, ea + 24, 4);
        if ((mxcsr & ~MxcsrMask) != 0)
            c.Throw(ExceptionVector.GeneralProtection);
        c.Fcw = (ushort)c.ReadMem(d.Seg, ea, 2);
        c.Fsw = (ushort)c.ReadMem(d.Seg, ea + 2, 2);
        c.FtwAbridged = (byte)c.ReadMem(d.Seg, ea + 4, 1);
        c.Mxcsr = mxcsr;
        for (var i = 0; i < XmmCount(c); i++)
        {
            c.Xmm[i * 2] = c.ReadMem(d.Seg, ea + 160 + (ulong)i * 16, 8);
            c.Xmm[i * 2 + 1] = c.ReadMem(d.Seg, ea + 168 + (ulong)i * 16, 8);
        }
    }

    private static bool IsXmm(Register r) => r is >= Register.XMM0 and <= Register.XMM15;

    private static (ulong Low, ulong High) Read128(X86Cpu c, ref DecodedInstruction d, int operand, bool aligned)
    {
        if (d.I.GetOpKind(operand) == OpKind.Register)
        {
            var x = d.I.GetOpRegister(operand) - Register.XMM0;
            return (c.Xmm[x * 2], c.Xmm[x * 2 + 1]);
        }
        var ea = c.Ea(ref d);
        if (aligned && (c.LinearAddress(d.Seg, ea, 1, false) & 15) != 0)
            c.Throw(ExceptionVector.GeneralProtection);
        return (c.ReadMem(d.Seg, ea, 8), c.ReadMem(d.Seg, (ea + 8) & d.AddrMask, 8));
    }

    private static void Write128(X86Cpu c, ref DecodedInstruction d, (ulong Low, ulong High) v, bool aligned)
    {
        if (d.I.Op0Kind == OpKind.Register)
        {
            var x = d.I.Op0Register - Register.XMM0;
            c.Xmm[x * 2] = v.Low;
            c.Xmm[x * 2 + 1] = v.High;
            return;
        }
        var ea = c.Ea(ref d);
        if (aligned && (c.LinearAddress(d.Seg, ea, 1, true) & 15) != 0)
            c.Throw(ExceptionVector.GeneralProtection);
        c.WriteMem(d.Seg, (ea + 8) & d.AddrMask, 8, v.High);
        c.WriteMem(d.Seg, ea, 8, v.Low);
    }

    private static bool IsAligned(Mnemonic m) => m is Mnemonic.Movaps or Mnemonic.Movapd or Mnemonic.Movdqa or Mnemonic.Movntdq or Mnemonic.Movntps;

    /// <summary>
    /// The MMX forms (no 66 prefix: <c>0F DB /r</c> is PAND mm, mm/m64, SDM Vol. 2B) name MM registers, which
    /// this engine does not model: they stop the run as unimplemented instead of indexing the XMM file.
    /// </summary>
    private static bool StopIfMmx(X86Cpu c, ref DecodedInstruction d)
    {
        for (var i = 0; i < d.I.OpCount; i++)
        {
            if (d.I.GetOpKind(i) == OpKind.Register && d.I.GetOpRegister(i) is >= Register.MM0 and <= Register.MM7)
            {
                c.StopBefore(StopReason.Unimplemented, $"unimplemented: {d.I.Mnemonic.ToString().ToLowerInvariant()} (MMX form) at 0x{c.Rip:x}");
                return true;
            }
        }
        return false;
    }

    private static void Move128(X86Cpu c, ref DecodedInstruction d)
    {
        if (StopIfMmx(c, ref d))
            return;
        var aligned = IsAligned(d.I.Mnemonic);
        Write128(c, ref d, Read128(c, ref d, 1, aligned), aligned);
    }

    /// <summary>MOVD/MOVQ between XMM registers, GPRs and memory; loads into XMM zero the rest of the register.</summary>
    private static void MoveScalar(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.I.Mnemonic == Mnemonic.Movd ? 4 : 8;
        if (d.I.Op0Kind == OpKind.Register && IsXmm(d.I.Op0Register))
        {
            ulong v;
            if (d.I.Op1Kind == OpKind.Register && IsXmm(d.I.Op1Register))
                v = c.Xmm[(d.I.Op1Register - Register.XMM0) * 2];
            else if (d.I.Op1Kind == OpKind.Register)
                v = c.ReadReg(d.I.Op1Register);
            else
                v = c.ReadMem(d.Seg, c.Ea(ref d), size);
            var x = d.I.Op0Register - Register.XMM0;
            c.Xmm[x * 2] = size == 4 ? (uint)v : v;
            c.Xmm[x * 2 + 1] = 0;
            return;
        }
        if (d.I.Op1Kind != OpKind.Register || !IsXmm(d.I.Op1Register))
        {
            c.StopBefore(StopReason.Unimplemented, $"unimplemented: {d.I.Mnemonic.ToString().ToLowerInvariant()} (MMX form) at 0x{c.Rip:x}");
            return;
        }
        var low = c.Xmm[(d.I.Op1Register - Register.XMM0) * 2];
        if (d.I.Op0Kind == OpKind.Register)
            c.WriteReg(d.I.Op0Register, size == 4 ? (uint)low : low);
        else
            c.WriteMem(d.Seg, c.Ea(ref d), size, low);
    }

    private static void Logic128(X86Cpu c, ref DecodedInstruction d)
    {
        if (StopIfMmx(c, ref d))
            return;
        var a = Read128(c, ref d, 0, false);
        var b = Read128(c, ref d, 1, d.I.Op1Kind == OpKind.Memory);
        var r = d.I.Mnemonic switch
        {
            Mnemonic.Pxor or Mnemonic.Xorps or Mnemonic.Xorpd => (a.Low ^ b.Low, a.High ^ b.High),
            Mnemonic.Pand or Mnemonic.Andps or Mnemonic.Andpd => (a.Low & b.Low, a.High & b.High),
            Mnemonic.Por or Mnemonic.Orps or Mnemonic.Orpd => (a.Low | b.Low, a.High | b.High),
            _ => (~a.Low & b.Low, ~a.High & b.High),
        };
        Write128(c, ref d, r, false);
    }
}
