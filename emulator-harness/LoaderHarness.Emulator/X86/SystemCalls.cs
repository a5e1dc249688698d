using Iced.Intel;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// Instruction handlers: SYSCALL and SYSRET in 64-bit mode (SDM Vol. 2 SYSCALL/SYSRET, Intel behaviour:
/// #UD outside 64-bit mode or with EFER.SCE clear). Selectors come from IA32_STAR, the entry point from
/// IA32_LSTAR and the flags to clear from IA32_FMASK; CS and SS get the fixed flat descriptors the
/// instructions load, without reading the GDT.
/// </summary>
internal static unsafe class SystemCalls
{
    /// <summary>IA32_STAR: SYSRET CS/SS base selector in bits 63:48, SYSCALL CS/SS in bits 47:32.</summary>
    private const uint Star = 0xC000_0081;

    /// <summary>IA32_LSTAR: 64-bit SYSCALL entry point.</summary>
    private const uint Lstar = 0xC000_0082;

    /// <summary>IA32_FMASK: RFLAGS bits SYSCALL clears.</summary>
    private const uint Fmask = 0xC000_0084;

    /// <summary>RFLAGS bits SYSRET takes from R11 (SDM: R11 AND 3C7FD7H, then bit 1 set).</summary>
    private const ulong SysretFlags = 0x3C_7FD7;

    private static ulong Msr(X86Cpu c, uint index) => c.TryReadMsr(index, out var v) ? v : 0;

    private static void RequireSyscallMode(X86Cpu c)
    {
        if (!c.Mode64 || (c.Efer & ControlBits.EferSce) == 0)
            c.Throw(ExceptionVector.InvalidOpcode);
    }

    public static void Syscall(X86Cpu c, ref DecodedInstruction d)
    {
        RequireSyscallMode(c);
        var star = Msr(c, Star);
        var selector = (ushort)((star >> 32) & 0xFFFC);
        c.R[1] = d.NextIP;
        var flags = c.GetRflags();
        c.R[11] = flags;
        c.SetRflagsValue(flags & ~Msr(c, Fmask) & ~FlagBits.RF);
        c.Seg[(int)SegmentRegister.Cs] = Segment.Flat(selector, 0x9B, 0xA);
        c.Seg[(int)SegmentRegister.Ss] = Segment.Flat((ushort)(selector + 8), 0x93, 0xC);
        c.UpdateMode();
        c.NextRip = Msr(c, Lstar);
    }

    /// <summary>SYSRET to 64-bit code (REX.W, RIP = RCX, CS = STAR[63:48] + 16) or compatibility-mode code (RIP = ECX, CS = STAR[63:48]).</summary>
    public static void Sysret(X86Cpu c, ref DecodedInstruction d)
    {
        RequireSyscallMode(c);
        if (c.Cpl != 0)
            c.Throw(ExceptionVector.GeneralProtection);
        var to64 = d.I.Code == Code.Sysretq;
        var rip = to64 ? c.R[1] : (uint)c.R[1];
        if (to64 && !X86Cpu.IsCanonical(rip))
            c.Throw(ExceptionVector.GeneralProtection);
        var selector = (ushort)(Msr(c, Star) >> 48);
        c.SetRflagsValue((c.R[11] & SysretFlags) | FlagBits.Fixed1);
        c.Seg[(int)SegmentRegister.Cs] = to64
            ? Segment.Flat((ushort)((selector + 16) | 3), 0xFB, 0xA)
            : Segment.Flat((ushort)(selector | 3), 0xFB, 0xC);
        c.Seg[(int)SegmentRegister.Ss] = Segment.Flat((ushort)((selector + 8) | 3), 0xF3, 0xC);
        c.UpdateMode();
        c.NextRip = rip;
    }
}
