using System.Runtime.CompilerServices;
namespace LoaderHarness.Emulator.Arm64;

/// <summary>System register storage and the MRS/MSR behaviours of <see cref="SystemRegisterKind"/>.</summary>
public sealed unsafe partial class Arm64Cpu
{
    private readonly ulong[] _sys = GC.AllocateArray<ulong>(SystemRegisterTable.All.Length, pinned: true);

    /// <summary>Where system register <paramref name="slot"/> is kept (pinned, for host code's MRS of the registers read as stored).</summary>
    internal ulong* SystemRegisterAddress(int slot) => (ulong*)Unsafe.AsPointer(ref _sys[slot]);

    internal static readonly int SctlrEl1 = SystemRegisterTable.Slot("SCTLR_EL1");
    internal static readonly int SctlrEl2 = SystemRegisterTable.Slot("SCTLR_EL2");
    internal static readonly int HcrEl2 = SystemRegisterTable.Slot("HCR_EL2");
    internal static readonly int TcrEl1 = SystemRegisterTable.Slot("TCR_EL1");
    internal static readonly int TcrEl2 = SystemRegisterTable.Slot("TCR_EL2");
    internal static readonly int Ttbr0El1 = SystemRegisterTable.Slot("TTBR0_EL1");
    internal static readonly int Ttbr1El1 = SystemRegisterTable.Slot("TTBR1_EL1");
    internal static readonly int Ttbr0El2 = SystemRegisterTable.Slot("TTBR0_EL2");
    internal static readonly int VbarEl1 = SystemRegisterTable.Slot("VBAR_EL1");
    internal static readonly int VbarEl2 = SystemRegisterTable.Slot("VBAR_EL2");
    internal static readonly int ElrEl1 = SystemRegisterTable.Slot("ELR_EL1");
    internal static readonly int ElrEl2 = SystemRegisterTable.Slot("ELR_EL2");
    internal static readonly int SpsrEl1 = SystemRegisterTable.Slot("SPSR_EL1");
    internal static readonly int SpsrEl2 = SystemRegisterTable.Slot("SPSR_EL2");
    internal static readonly int EsrEl1 = SystemRegisterTable.Slot("ESR_EL1");
    internal static readonly int EsrEl2 = SystemRegisterTable.Slot("ESR_EL2");
    internal static readonly int FarEl1 = SystemRegisterTable.Slot("FAR_EL1");
    internal static readonly int FarEl2 = SystemRegisterTable.Slot("FAR_EL2");
    internal static readonly int ParEl1 = SystemRegisterTable.Slot("PAR_EL1");
    private static readonly int OslsrEl1 = SystemRegisterTable.Slot("OSLSR_EL1");
    private static readonly int CntvoffEl2 = SystemRegisterTable.Slot("CNTVOFF_EL2");

    /// <summary>ISR_EL1.I (Arm ARM D19.2.78).</summary>
    private const ulong IsrIrqPending = 1UL << 7;

    /// <summary>ID_AA64PFR0_EL1.GIC [27:24] = 1: the GICv3 system-register CPU interface is implemented.</summary>
    private const ulong Pfr0GicSystemRegisters = 1UL << 24;

    /// <summary>SCTLR_ELx RES1 bits at reset with M, C and I clear (Arm ARM D19.2.118 / D19.2.119).</summary>
    private const ulong SctlrEl1Reset = 0x30D0_0800;
    private const ulong SctlrEl2Reset = 0x30C5_0830;
    /// <summary>HCR_EL2.RW: EL1 is AArch64.</summary>
    private const ulong HcrRw = 1UL << 31;
    /// <summary>HCR_EL2.E2H: RES0 here (no VHE is advertised).</summary>
    private const ulong HcrE2h = 1UL << 34;

    /// <summary>Reads a system register by name (SCTLR_EL1, CNTFRQ_EL0 ...), as MRS at EL2 would.</summary>
    public ulong ReadSystemRegister(string name) => ReadSystemRegister(SlotOf(name));

    /// <summary>Writes a system register by name, as a VMM sets vCPU state (read-only registers included).</summary>
    public void WriteSystemRegister(string name, ulong value)
    {
        var slot = SlotOf(name);
        var kind = SystemRegisterTable.All[slot].Kind;
        if (kind is SystemRegisterKind.ReadOnly or SystemRegisterKind.ReadAsZero or SystemRegisterKind.Pfr0)
            _sys[slot] = value;
        else
            WriteSystemRegister(slot, value);
    }

    /// <summary>Whether the engine knows a system register of that name.</summary>
    public static bool IsKnownSystemRegister(string name) => SystemRegisterTable.Find(name) >= 0;

    private static int SlotOf(string name)
    {
        var slot = SystemRegisterTable.Find(name);
        if (slot < 0)
            throw new ArgumentException($"unknown system register '{name}'", nameof(name));
        return slot;
    }

    private void ResetSystemRegisters()
    {
        Array.Clear(_sys);
        Set("MIDR_EL1", Identity.Midr);
        Set("MPIDR_EL1", Identity.Mpidr);
        Set("ID_AA64PFR0_EL1", Identity.IdAa64Pfr0);
        Set("ID_AA64PFR1_EL1", Identity.IdAa64Pfr1);
        Set("ID_AA64DFR0_EL1", Identity.IdAa64Dfr0);
        Set("ID_AA64ISAR0_EL1", Identity.IdAa64Isar0);
        Set("ID_AA64ISAR1_EL1", Identity.IdAa64Isar1);
        Set("ID_AA64MMFR0_EL1", Identity.IdAa64Mmfr0);
        Set("ID_AA64MMFR1_EL1", Identity.IdAa64Mmfr1);
        Set("ID_AA64MMFR2_EL1", Identity.IdAa64Mmfr2);
        Set("CTR_EL0", Identity.Ctr);
        Set("DCZID_EL0", Identity.Dczid);
        Set("CLIDR_EL1", Identity.Clidr);
        // 32 KiB, 2-way, 64-byte lines: any plausible geometry; set/way loops only need it consistent.
        Set("CCSIDR_EL1", 0x700F_E01A);
        Set("VPIDR_EL2", Identity.Midr);
        Set("VMPIDR_EL2", Identity.Mpidr);
        Set("SCTLR_EL1", SctlrEl1Reset);
        Set("SCTLR_EL2", SctlrEl2Reset);
        Set("HCR_EL2", HcrRw);
        // OSLSR_EL1: OSLM = 0b10 (OS lock implemented), OSLK = 1 (locked from cold reset).
        Set("OSLSR_EL1", 0b1010);

        void Set(string name, ulong value) => _sys[SystemRegisterTable.Slot(name)] = value;
    }

    /// <summary>MRS.</summary>
    internal ulong ReadSystemRegister(int slot) => SystemRegisterTable.All[slot].Kind switch
    {
        SystemRegisterKind.ReadAsZero => 0,
        SystemRegisterKind.Pfr0 => (GuestOwnsEl2 ? _sys[slot] : _sys[slot] & ~0xF00UL) | (Gic is null ? 0 : Pfr0GicSystemRegisters),
        SystemRegisterKind.CurrentEl => (ulong)(ExceptionLevel << 2),
        SystemRegisterKind.Nzcv => Nzcv,
        SystemRegisterKind.Daif => Daif << 6,
        SystemRegisterKind.SpSel => SpSel ? 1UL : 0,
        SystemRegisterKind.SpEl0 => GetStackPointer(0),
        SystemRegisterKind.SpEl1 => GetStackPointer(1),
        SystemRegisterKind.Counter => Counter,
        SystemRegisterKind.VirtualCounter => Counter - _sys[CntvoffEl2],
        SystemRegisterKind.TimerControl => ReadTimerControl(slot),
        SystemRegisterKind.TimerValue => ReadTimerValue(slot),
        SystemRegisterKind.InterruptStatus => _interruptInput is { IsAsserted: true } ? IsrIrqPending : 0,
        SystemRegisterKind.GicCpuInterface => Gic?.ReadCpuInterface(GicRegisterOf(slot)) ?? 0,
        _ => _sys[slot],
    };

    /// <summary>MSR (register).</summary>
    internal void WriteSystemRegister(int slot, ulong value)
    {
        switch (SystemRegisterTable.All[slot].Kind)
        {
            case SystemRegisterKind.ReadOnly:
            case SystemRegisterKind.ReadAsZero:
            case SystemRegisterKind.Pfr0:
            case SystemRegisterKind.CurrentEl:
            case SystemRegisterKind.Counter:
            case SystemRegisterKind.VirtualCounter:
            case SystemRegisterKind.InterruptStatus:
            case SystemRegisterKind.OsLockStatus:
                break;
            case SystemRegisterKind.Nzcv:
                Nzcv = (uint)value & 0xF000_0000;
                break;
            case SystemRegisterKind.Daif:
                Daif = (uint)(value >> 6) & 0xF;
                break;
            case SystemRegisterKind.SpSel:
                SetSpSel((value & 1) != 0);
                break;
            case SystemRegisterKind.SpEl0:
                SetStackPointer(0, value);
                break;
            case SystemRegisterKind.SpEl1:
                SetStackPointer(1, value);
                break;
            case SystemRegisterKind.OsLockAccess:
                _sys[OslsrEl1] = (_sys[OslsrEl1] & ~2UL) | ((value & 1) << 1);
                break;
            case SystemRegisterKind.TimerControl:
                _sys[slot] = value & TimerStoredBits;
                TimersChanged();
                break;
            case SystemRegisterKind.TimerCompare:
                _sys[slot] = value;
                TimersChanged();
                break;
            case SystemRegisterKind.TimerValue:
                WriteTimerValue(slot, value);
                break;
            case SystemRegisterKind.GicCpuInterface:
                Gic?.WriteCpuInterface(GicRegisterOf(slot), value);
                break;
            case SystemRegisterKind.Translation:
                _sys[slot] = slot == HcrEl2 ? (value & ~HcrE2h) | HcrRw : value;
                FlushTlb();
                break;
            default:
                _sys[slot] = value;
                break;
        }
    }
}
