using Iced.Intel;
using LoaderHarness.Emulator.X86;

namespace LoaderHarness.Emulator.Vcpu.Bios;

/// <summary>
/// The caller's registers as a BIOS service sees them at its entry stub, right after the real-mode INT pushed
/// FLAGS, CS and IP (SDM Vol. 2A "INT n": real-address-mode operation). Flags a service returns (CF, ZF) go
/// into the pushed FLAGS image, which the stub's IRET restores, as SeaBIOS's handlers set <c>regs->flags</c>
/// in the frame its entry code saved (src/bregs.h set_success / set_code_invalid, src/romlayout.S).
/// </summary>
internal readonly struct BiosFrame(X86Cpu cpu)
{
    /// <summary>RFLAGS.CF.</summary>
    private const ushort Carry = 1 << 0;
    /// <summary>RFLAGS.ZF.</summary>
    private const ushort Zero = 1 << 6;

    /// <summary>The CPU whose registers are the call's.</summary>
    public X86Cpu Cpu => cpu;

    public ushort Ax { get => (ushort)cpu[Register.AX]; set => cpu[Register.AX] = value; }
    public byte Ah { get => (byte)cpu[Register.AH]; set => cpu[Register.AH] = value; }
    public byte Al { get => (byte)cpu[Register.AL]; set => cpu[Register.AL] = value; }
    public ushort Bx { get => (ushort)cpu[Register.BX]; set => cpu[Register.BX] = value; }
    public byte Bh { get => (byte)cpu[Register.BH]; set => cpu[Register.BH] = value; }
    public byte Bl { get => (byte)cpu[Register.BL]; set => cpu[Register.BL] = value; }
    public ushort Cx { get => (ushort)cpu[Register.CX]; set => cpu[Register.CX] = value; }
    public ushort Dx { get => (ushort)cpu[Register.DX]; set => cpu[Register.DX] = value; }
    public byte Dh { get => (byte)cpu[Register.DH]; set => cpu[Register.DH] = value; }
    public byte Dl { get => (byte)cpu[Register.DL]; set => cpu[Register.DL] = value; }
    public uint Eax { get => (uint)cpu[Register.EAX]; set => cpu[Register.EAX] = value; }
    public uint Ebx { get => (uint)cpu[Register.EBX]; set => cpu[Register.EBX] = value; }
    public uint Ecx { get => (uint)cpu[Register.ECX]; set => cpu[Register.ECX] = value; }
    public uint Edx { get => (uint)cpu[Register.EDX]; set => cpu[Register.EDX] = value; }
    public ushort Di => (ushort)cpu[Register.DI];

    /// <summary>The linear address of real-mode ES:DI (a caller's buffer).</summary>
    public ulong EsDi => cpu.GetSegment(SegmentRegister.Es).Base + Di;

    /// <summary>The linear address of the FLAGS image the INT pushed (SS:SP + 4).</summary>
    private ulong SavedFlags
    {
        get
        {
            var sp = (ushort)cpu[Register.SP];
            return cpu.GetSegment(SegmentRegister.Ss).Base + (ushort)(sp + 4);
        }
    }

    /// <summary>Sets or clears CF in the FLAGS the IRET restores.</summary>
    public void SetCarry(bool on) => SetFlag(Carry, on);

    /// <summary>Sets or clears ZF in the FLAGS the IRET restores.</summary>
    public void SetZero(bool on) => SetFlag(Zero, on);

    /// <summary>Whether CF is set in the FLAGS the IRET restores.</summary>
    public bool CarrySet => (cpu.Memory.ReadU16(SavedFlags) & Carry) != 0;

    /// <summary>SeaBIOS set_success: CF clear, AH as the service left it.</summary>
    public void Success() => SetCarry(false);

    /// <summary>SeaBIOS set_code_success: AH = 0, CF clear.</summary>
    public void SuccessWithCode()
    {
        Ah = 0;
        SetCarry(false);
    }

    /// <summary>SeaBIOS set_code_invalid / set_unimplemented: AH = <paramref name="status"/>, CF set.</summary>
    public void Fail(byte status)
    {
        Ah = status;
        SetCarry(true);
    }

    private void SetFlag(ushort bit, bool on)
    {
        var at = SavedFlags;
        var flags = cpu.Memory.ReadU16(at);
        cpu.Memory.WriteU16(at, on ? (ushort)(flags | bit) : (ushort)(flags & ~bit));
    }
}
