namespace LoaderHarness.Emulator.Devices.Apic;

/// <summary>The register file, reached through the xAPIC page or the x2APIC MSRs (SDM Vol. 3A Table 11-1 and Table 11-6).</summary>
public sealed partial class LocalApic : IMmioDevice
{
    // Register numbers: the xAPIC offset >> 4, which is also the x2APIC MSR index - 0x800 (SDM Vol. 3A §11.12.1.2).
    internal const int RegId = 0x02, RegVersion = 0x03, RegTpr = 0x08, RegApr = 0x09, RegPpr = 0x0A, RegEoi = 0x0B,
        RegRrd = 0x0C, RegLdr = 0x0D, RegDfr = 0x0E, RegSvr = 0x0F, RegIsr = 0x10, RegTmr = 0x18, RegIrr = 0x20,
        RegEsr = 0x28, RegLvtCmci = 0x2F, RegIcrLow = 0x30, RegIcrHigh = 0x31, RegLvtTimer = 0x32, RegLvtError = 0x37,
        RegInitialCount = 0x38, RegCurrentCount = 0x39, RegDivide = 0x3E, RegSelfIpi = 0x3F;

    /// <summary>
    /// Writable bits of the LVT entries in register order timer, thermal, perfmon, LINT0, LINT1, error, CMCI
    /// (SDM Vol. 3A Figure 11-8): vector, delivery mode, polarity, trigger mode, mask, timer mode.
    /// </summary>
    private static readonly uint[] LvtWritable = [0x7_00FF, 0x1_07FF, 0x1_07FF, 0x1_A7FF, 0x1_A7FF, 0x1_00FF, 0x1_07FF];

    /// <summary>The xAPIC page: 32-bit registers at 16-byte strides; other widths read the covering register's bytes.</summary>
    public ulong Read(ulong offset, int size)
    {
        if (X2ApicMode || !HardwareEnabled)
            return size == 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1;
        var value = (ulong)ReadRegister((int)(offset >> 4) & 0xFF) >> (int)((offset & 3) * 8);
        return (offset & 0xF) >= 4 ? 0 : size >= 4 ? (uint)value : value & ((1UL << (size * 8)) - 1);
    }

    /// <summary>The xAPIC page: a 32-bit write to a register's first dword (SDM Vol. 3A §11.4.1: other accesses are undefined and dropped here).</summary>
    public void Write(ulong offset, int size, ulong value)
    {
        if (X2ApicMode || !HardwareEnabled || (offset & 0xF) != 0 || size < 4)
            return;
        var reg = (int)(offset >> 4) & 0xFF;
        if (reg == RegSelfIpi)
            return; // SELF IPI exists only as an x2APIC MSR (SDM Vol. 3A §11.12.11)
        WriteRegister(reg, (uint)value);
    }

    /// <summary>Whether RDMSR/WRMSR of <paramref name="index"/> belongs to the APIC (IA32_APIC_BASE, IA32_TSC_DEADLINE, 800H–8FFH).</summary>
    public static bool OwnsMsr(uint index) => index is BaseMsr or TscDeadlineMsr || index - 0x800 < 0x100;

    /// <summary>
    /// RDMSR of an APIC MSR; false raises #GP: x2APIC registers outside x2APIC mode, registers that do not exist
    /// or are write-only (EOI, SELF IPI, DFR, ICR high), SDM Vol. 3A §11.12.1.2–3.
    /// </summary>
    public bool TryReadMsr(uint index, out ulong value)
    {
        value = 0;
        switch (index)
        {
            case BaseMsr:
                value = _base;
                return true;
            case TscDeadlineMsr:
                value = Timer.Deadline;
                return true;
        }
        var reg = (int)(index - 0x800);
        if (!X2ApicMode || !Exists(reg) || reg is RegEoi or RegSelfIpi or RegDfr or RegIcrHigh or RegApr or RegRrd)
            return false;
        value = reg == RegIcrLow ? ((ulong)_icrHigh << 32) | _icrLow : ReadRegister(reg);
        return true;
    }

    /// <summary>
    /// WRMSR of an APIC MSR; false raises #GP: outside x2APIC mode, read-only or absent registers, reserved bits set
    /// (TPR 31:8, SVR, LVT, DCR), a non-zero write to EOI or ESR, bits above the vector in SELF IPI
    /// (SDM Vol. 3A §11.12.1.2–3, Table 11-6); ICR is one 64-bit register with the destination in 63:32.
    /// </summary>
    public bool TryWriteMsr(uint index, ulong value)
    {
        switch (index)
        {
            case BaseMsr:
                return WriteBase(value);
            case TscDeadlineMsr:
                Timer.WriteDeadline(value);
                TimerArmed?.Invoke();
                return true;
        }
        var reg = (int)(index - 0x800);
        if (!X2ApicMode || !Exists(reg))
            return false;
        if (reg == RegIcrLow)
        {
            if ((value & ~0xFFFF_FFFF_000C_CFFFUL) != 0)
                return false;
            _icrHigh = (uint)(value >> 32);
            _icrLow = (uint)value;
            SendIpi(_icrLow, _icrHigh);
            return true;
        }
        if ((value >> 32) != 0)
            return false;
        var v = (uint)value;
        var ok = reg switch
        {
            RegTpr => v <= 0xFF,
            RegEoi or RegEsr => v == 0,
            RegSvr => (v & ~0x3FFu) == 0, // bit 12 (EOI-broadcast suppression) is reserved: version bit 24 is clear
            RegSelfIpi => v <= 0xFF,
            RegDivide => (v & ~0xBu) == 0,
            RegInitialCount => true,
            RegLvtCmci or (>= RegLvtTimer and <= RegLvtError) => (v & ~(LvtWritable[LvtIndex(reg)] | 0x5000)) == 0,
            _ => false, // ID, version, PPR, LDR, ISR, TMR, IRR, current count: read-only
        };
        if (!ok)
            return false;
        if (reg == RegSelfIpi)
            Accept((int)v, false);
        else
            WriteRegister(reg, v);
        return true;
    }

    /// <summary>
    /// WRMSR IA32_APIC_BASE (SDM Vol. 3A §11.12.5, Figure 11-27; KVM x86.c kvm_set_apic_base): reserved bits 7:0, 9
    /// and above MAXPHYADDR, EN = 0 with EXTD = 1, x2APIC straight to xAPIC and disabled straight to x2APIC raise
    /// #GP. Disabling resets the APIC to its power-up state; entering x2APIC mode derives the LDR from the ID.
    /// </summary>
    private bool WriteBase(ulong value)
    {
        const ulong reserved = 0xFFFF_FF00_0000_02FF; // MAXPHYADDR 40 (CPUID 0x80000008 EAX[7:0])
        var enable = (value & BaseEnable) != 0;
        var extd = (value & BaseExtd) != 0;
        if ((value & reserved) != 0 || (extd && !enable))
            return false;
        if ((X2ApicMode && enable && !extd) || (!HardwareEnabled && extd))
            return false;
        var wasEnabled = HardwareEnabled;
        _base = value;
        if (!enable && wasEnabled)
            ResetRegisters();
        if (extd)
            _ldr = ((Id & 0xFFFF0) << 12) | (1u << (int)(Id & 0xF)); // SDM Vol. 3A §11.12.10.2
        Signal();
        return true;
    }

    /// <summary>Reads register <paramref name="reg"/> (xAPIC offset / 16); absent registers read 0.</summary>
    internal uint ReadRegister(int reg)
    {
        switch (reg)
        {
            case RegId: return X2ApicMode ? Id : Id << 24;
            case RegVersion: return Version;
            case RegTpr: return _tpr;
            case RegPpr: return Ppr;
            case RegLdr: return _ldr;
            case RegDfr: return _dfr;
            case RegSvr: return _svr;
            case >= RegIsr and < RegIsr + 8: return _isr[reg - RegIsr];
            case >= RegTmr and < RegTmr + 8: return _tmr[reg - RegTmr];
            case >= RegIrr and < RegIrr + 8: return _irr[reg - RegIrr];
            case RegEsr: return _esr;
            case RegIcrLow: return _icrLow;
            case RegIcrHigh: return _icrHigh;
            case RegLvtCmci or (>= RegLvtTimer and <= RegLvtError): return _lvt[LvtIndex(reg)];
            case RegInitialCount: return Timer.InitialCount;
            case RegCurrentCount: return Timer.CurrentCount;
            case RegDivide: return Timer.DivideConfig;
            default: return 0;
        }
    }

    /// <summary>Writes register <paramref name="reg"/>; read-only and absent registers ignore it.</summary>
    internal void WriteRegister(int reg, uint value)
    {
        switch (reg)
        {
            case RegId:
                break; // KVM keeps the xAPIC ID writable; one CPU never needs it moved, so it stays put
            case RegTpr:
                Tpr = value;
                break;
            case RegEoi:
                EndOfInterrupt();
                break;
            case RegLdr:
                _ldr = value & 0xFF00_0000;
                break;
            case RegDfr:
                _dfr = value | 0x0FFF_FFFF;
                break;
            case RegSvr:
                _svr = value & 0x3FF;
                if (!SoftwareEnabled)
                {
                    // SDM Vol. 3A §11.4.7.2: software-disabling sets every LVT mask bit.
                    for (var i = 0; i < _lvt.Length; i++)
                        _lvt[i] |= LvtMasked;
                }
                Signal();
                break;
            case RegEsr:
                _esr = 0; // a write latches the errors found since the last one: none are pending here
                break;
            case RegIcrLow:
                _icrLow = value & 0xC_CFFF;
                SendIpi(_icrLow, _icrHigh);
                break;
            case RegIcrHigh:
                _icrHigh = value & 0xFF00_0000;
                break;
            case RegLvtCmci or (>= RegLvtTimer and <= RegLvtError):
                WriteLvt(LvtIndex(reg), value);
                break;
            case RegInitialCount:
                Timer.WriteInitialCount(value);
                TimerArmed?.Invoke();
                break;
            case RegDivide:
                Timer.DivideConfig = value;
                break;
        }
    }

    private void WriteLvt(int index, uint value)
    {
        value &= LvtWritable[index];
        if (!SoftwareEnabled)
            value |= LvtMasked; // SDM Vol. 3A §11.4.7.2: the mask bits cannot be cleared while software-disabled
        if (index == LvtTimer)
        {
            // Timer mode 11b is reserved; 10b (TSC-deadline) exists because CPUID.1:ECX[24] says so.
            var mode = (int)(value >> 17) & 3;
            Timer.SetMode(mode == 3 ? 0 : mode);
        }
        _lvt[index] = value;
        if (index == LvtLint0)
            Signal();
    }

    /// <summary>
    /// An IPI from the ICR (SDM Vol. 3A §11.6.1): fixed and lowest-priority messages that reach this APIC
    /// (shorthand self or all-including-self, or a destination that matches) are accepted; INIT, SIPI, NMI and
    /// the rest address application processors that do not exist and are dropped.
    /// </summary>
    private void SendIpi(uint low, uint high)
    {
        var mode = (low >> 8) & 7;
        if (mode > 1)
            return;
        var self = ((low >> 18) & 3) switch
        {
            1 or 2 => true,
            3 => false,
            _ => Matches(X2ApicMode ? high : high >> 24, (low & 0x800) != 0),
        };
        if (self)
            Accept((int)(low & 0xFF), (low & 0x8000) != 0);
    }

    private static int LvtIndex(int reg) => reg == RegLvtCmci ? LvtCmci : reg - RegLvtTimer;

    /// <summary>Whether an x2APIC MSR index (relative to 800H) names a register (SDM Vol. 3A Table 11-6).</summary>
    private static bool Exists(int reg) => reg is RegId or RegVersion or RegTpr or RegPpr or RegEoi or RegLdr or RegSvr
        or (>= RegIsr and < RegIrr + 8) or RegEsr or RegLvtCmci or RegIcrLow or (>= RegLvtTimer and <= RegCurrentCount)
        or RegDivide or RegSelfIpi;
}
