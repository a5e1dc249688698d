using LoaderHarness.Emulator.Devices.Apic;

namespace LoaderHarness.Emulator.X86;

/// <summary>Control registers, EFER and MSR access with the architectural consistency checks (SDM Vol. 3A §2.5, §9.8.5).</summary>
public sealed partial class X86Cpu
{
    private ulong _cr0, _cr3, _cr4, _efer;

    /// <summary>CR0. Setting it behaves like MOV to CR0 without the #GP checks (EFER.LMA follows PG and LME).</summary>
    public ulong Cr0
    {
        get => _cr0;
        set => ApplyCr0(value);
    }

    /// <summary>CR3 (page-table base). Setting it flushes the TLB, global pages' entries aside (<see cref="FlushTlbKeepingGlobal"/>).</summary>
    public ulong Cr3
    {
        get => _cr3;
        set
        {
            _cr3 = value;
            FlushTlbKeepingGlobal();
        }
    }

    /// <summary>CR4. Setting it flushes the TLB.</summary>
    public ulong Cr4
    {
        get => _cr4;
        set
        {
            _cr4 = value;
            FlushTlb();
        }
    }

    /// <summary>IA32_EFER. LMA is recomputed from LME and CR0.PG.</summary>
    public ulong Efer
    {
        get => _efer;
        set
        {
            _efer = value & ~ControlBits.EferLma;
            ApplyCr0(_cr0);
        }
    }

    private void ApplyCr0(ulong value)
    {
        _cr0 = value | ControlBits.Cr0Et;
        if ((_cr0 & ControlBits.Cr0Pg) != 0 && (_efer & ControlBits.EferLme) != 0)
            _efer |= ControlBits.EferLma;
        else
            _efer &= ~ControlBits.EferLma;
        FlushTlb();
        UpdateMode();
    }

    /// <summary>MOV from CRn.</summary>
    internal ulong ReadCr(int n) => n switch
    {
        0 => _cr0,
        2 => Cr2,
        3 => _cr3,
        4 => _cr4,
        8 => LocalApic is { } apic ? apic.Tpr >> 4 : Cr8,
        _ => ThrowUd(),
    };

    private ulong ThrowUd()
    {
        Throw(ExceptionVector.InvalidOpcode);
        return 0;
    }

    /// <summary>MOV to CRn with the #GP checks real hardware makes.</summary>
    internal void WriteCr(int n, ulong value)
    {
        if (!Mode64)
            value = (uint)value;
        switch (n)
        {
            case 0:
                if ((value >> 32) != 0
                    || ((value & ControlBits.Cr0Pg) != 0 && (value & ControlBits.Cr0Pe) == 0)
                    || ((value & ControlBits.Cr0Nw) != 0 && (value & ControlBits.Cr0Cd) == 0)
                    || ((value & ControlBits.Cr0Pg) != 0 && (_cr0 & ControlBits.Cr0Pg) == 0
                        && (_efer & ControlBits.EferLme) != 0 && (_cr4 & ControlBits.Cr4Pae) == 0)
                    || ((value & ControlBits.Cr0Pg) == 0 && Mode64))
                    Throw(ExceptionVector.GeneralProtection);
                ApplyCr0(value);
                break;
            case 2:
                Cr2 = value;
                break;
            case 3:
                Cr3 = value;
                break;
            case 4:
                if ((value & ControlBits.Cr4La57) != 0
                    || ((value & ControlBits.Cr4Pae) == 0 && (_efer & ControlBits.EferLma) != 0)
                    || (value >> 32) != 0)
                    Throw(ExceptionVector.GeneralProtection);
                Cr4 = value;
                break;
            case 8:
                Cr8 = value & 0xF;
                // SDM Vol. 3A §11.8.6.1: CR8[3:0] is TPR[7:4].
                if (LocalApic is { } apic)
                    apic.Tpr = (uint)Cr8 << 4;
                break;
            default:
                Throw(ExceptionVector.InvalidOpcode);
                break;
        }
    }

    /// <summary>RDMSR; false raises #GP in the caller.</summary>
    internal bool TryReadMsr(uint index, out ulong value)
    {
        switch (index)
        {
            case MsrTable.Efer: value = _efer; return true;
            case MsrTable.FsBase: value = Seg[(int)SegmentRegister.Fs].Base; return true;
            case MsrTable.GsBase: value = Seg[(int)SegmentRegister.Gs].Base; return true;
            case MsrTable.KernelGsBase: value = KernelGsBase; return true;
            case MsrTable.Tsc: value = Tsc; return true;
            case MsrTable.TscAux: value = TscAux; return true;
            default:
                if (LocalApic is { } apic && LocalApic.OwnsMsr(index))
                    return apic.TryReadMsr(index, out value);
                return Msrs.TryRead(index, out value);
        }
    }

    /// <summary>WRMSR; false raises #GP in the caller.</summary>
    internal bool TryWriteMsr(uint index, ulong value)
    {
        switch (index)
        {
            case MsrTable.Efer:
                const ulong allowed = ControlBits.EferSce | ControlBits.EferLme | ControlBits.EferLma | ControlBits.EferNxe;
                if ((value & ~allowed) != 0)
                    return false;
                if ((_cr0 & ControlBits.Cr0Pg) != 0 && ((value ^ _efer) & ControlBits.EferLme) != 0)
                    return false;
                _efer = (value & ~ControlBits.EferLma) | (_efer & ControlBits.EferLma);
                FlushTlb();
                UpdateMode();
                return true;
            case MsrTable.FsBase:
            case MsrTable.GsBase:
                if (!IsCanonical(value))
                    return false;
                var s = index == MsrTable.FsBase ? SegmentRegister.Fs : SegmentRegister.Gs;
                Seg[(int)s] = Seg[(int)s] with { Base = value };
                UpdateMode();
                return true;
            case MsrTable.KernelGsBase:
                if (!IsCanonical(value))
                    return false;
                KernelGsBase = value;
                return true;
            case MsrTable.Tsc:
                _tscBase = value - TotalInstructions - IdleCycles;
                return true;
            case MsrTable.TscAux:
                TscAux = (uint)value;
                return true;
            default:
                if (LocalApic is { } apic && LocalApic.OwnsMsr(index))
                    return apic.TryWriteMsr(index, value);
                return Msrs.TryWrite(index, value);
        }
    }

    internal static bool IsCanonical(ulong address) => (ulong)((long)(address << 16) >> 16) == address;
}
