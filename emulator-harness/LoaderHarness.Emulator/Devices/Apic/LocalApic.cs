using LoaderHarness.Emulator.Devices.Time;

namespace LoaderHarness.Emulator.Devices.Apic;

/// <summary>
/// The boot CPU's local APIC (Intel SDM Vol. 3A ch. 11 "Advanced Programmable Interrupt Controller (APIC)"), as
/// KVM's in-kernel APIC presents it to a guest (arch/x86/kvm/lapic.c): version 0x14 with six LVT entries, the
/// xAPIC page (<see cref="Read"/> / <see cref="Write"/>) and the x2APIC MSRs (<see cref="TryReadMsr"/> /
/// <see cref="TryWriteMsr"/>), 256-bit IRR/ISR/TMR with priority-class arbitration against the PPR, EOI
/// broadcast to the <see cref="IoApic"/> for level-triggered vectors, and the <see cref="ApicTimer"/>.
/// It is the CPU's interrupt controller: its <see cref="Output"/> drives INTR, and the CPU's INTA is
/// <see cref="Acknowledge"/>. The 8259A pair's INT arrives on LINT0 (<see cref="SetLevel"/> line 0); with LINT0
/// unmasked in ExtINT mode (virtual-wire mode, SDM Vol. 3A §11.5.1) or the APIC hardware-disabled it reaches
/// INTR as before, and the acknowledge cycle goes to the 8259A.
/// </summary>
public sealed partial class LocalApic : IInterruptController, ITimedDevice
{
    /// <summary>APIC version: 0x14, max LVT entry 5 in bits 23:16 (KVM lapic.c kvm_apic_set_version, APIC_VERSION | (nr_lvt_entries - 1) &lt;&lt; 16).</summary>
    public const uint Version = 0x0005_0014;

    /// <summary>IA32_APIC_BASE (SDM Vol. 3A §11.4.4).</summary>
    public const uint BaseMsr = 0x1B;

    /// <summary>IA32_TSC_DEADLINE (SDM Vol. 3A §11.5.4.1).</summary>
    public const uint TscDeadlineMsr = 0x6E0;

    internal const ulong BaseBsp = 1UL << 8, BaseExtd = 1UL << 10, BaseEnable = 1UL << 11;
    private const uint LvtMasked = 1u << 16;
    private const int LvtTimer = 0, LvtThermal = 1, LvtPerfmon = 2, LvtLint0 = 3, LvtLint1 = 4, LvtError = 5, LvtCmci = 6;

    private readonly uint[] _irr = new uint[8], _isr = new uint[8], _tmr = new uint[8];
    private readonly uint[] _lvt = new uint[7];
    private readonly IVirtualClock _clock;
    private ulong _base;
    private uint _tpr, _ldr, _dfr, _svr, _esr, _icrLow, _icrHigh;
    private bool _lint0, _extIntPending;

    /// <summary>
    /// The APIC with ID <paramref name="id"/> on <paramref name="clock"/>; its timer counts at <paramref name="timerHz"/>
    /// and its TSC-deadline mode compares <paramref name="tsc"/> (ticking at <paramref name="tscHz"/>).
    /// </summary>
    public LocalApic(IVirtualClock clock, Func<ulong> tsc, long tscHz, long timerHz, uint id = 0)
    {
        _clock = clock;
        Id = id;
        Timer = new ApicTimer(clock, timerHz, tsc, tscHz);
        // Power-on: base FEE00000H, BSP, globally enabled, xAPIC mode (SDM Vol. 3A §11.4.4, Table 10-1 of §10.1).
        _base = ApicAddresses.LocalApicBase | BaseBsp | BaseEnable;
        ResetRegisters();
    }

    /// <summary>The local APIC ID (the x2APIC ID; bits 31:24 of the xAPIC ID register).</summary>
    public uint Id { get; }

    /// <summary>The timer.</summary>
    public ApicTimer Timer { get; }

    /// <summary>INTR: wire it to the CPU's interrupt input.</summary>
    public InterruptPin Output { get; } = new();

    /// <summary>The 8259A pair, whose INTA cycle answers ExtINT interrupts (LINT0 in virtual-wire mode).</summary>
    public IInterruptController? ExternalController { get; set; }

    /// <summary>The I/O APIC that hears EOIs of level-triggered vectors.</summary>
    public IoApic? IoApic { get; set; }

    /// <summary>Called when the timer was (re)armed, so a run loop can re-read <see cref="NextEventNanoseconds"/> at once.</summary>
    public Action? TimerArmed { get; set; }

    /// <summary>IA32_APIC_BASE as the guest reads it.</summary>
    public ulong BaseValue => _base;

    /// <summary>Where the xAPIC page is mapped (IA32_APIC_BASE bits 39:12).</summary>
    public ulong MmioBase => _base & 0xFF_FFFF_F000;

    /// <summary>Whether the APIC is globally enabled (IA32_APIC_BASE bit 11).</summary>
    public bool HardwareEnabled => (_base & BaseEnable) != 0;

    /// <summary>Whether the APIC is in x2APIC mode (IA32_APIC_BASE bit 10).</summary>
    public bool X2ApicMode => (_base & BaseExtd) != 0;

    /// <summary>Whether software enabled the APIC (SVR bit 8).</summary>
    public bool SoftwareEnabled => (_svr & 0x100) != 0;

    /// <summary>The Task Priority Register (CR8 is its bits 7:4, SDM Vol. 3A §11.8.6.1).</summary>
    public uint Tpr
    {
        get => _tpr;
        set
        {
            _tpr = value & 0xFF;
            Signal();
        }
    }

    /// <summary>The Processor Priority Register (SDM Vol. 3A §11.8.3.1): the higher of TPR and the in-service class.</summary>
    public uint Ppr
    {
        get
        {
            var isrv = (uint)Math.Max(Highest(_isr), 0);
            return (_tpr >> 4) >= (isrv >> 4) ? _tpr : isrv & 0xF0;
        }
    }

    /// <summary>Whether <paramref name="vector"/> is requested (IRR).</summary>
    public bool IsRequested(int vector) => Test(_irr, vector);

    /// <summary>Whether <paramref name="vector"/> is in service (ISR).</summary>
    public bool IsInService(int vector) => Test(_isr, vector);

    /// <summary>Whether the 8259A's INT currently reaches INTR: APIC hardware-disabled, or LINT0 unmasked in ExtINT mode.</summary>
    public bool VirtualWire => !HardwareEnabled || (_lvt[LvtLint0] & (LvtMasked | 0x700)) == 0x700;

    /// <summary>
    /// A fixed (or lowest-priority) interrupt message from the I/O APIC, an IPI or a local source: latches
    /// <paramref name="vector"/> in the IRR, and in the TMR when <paramref name="level"/>-triggered. A software-
    /// disabled APIC, or a vector below 16, accepts nothing (KVM lapic.c __apic_accept_irq; SDM Vol. 3A §11.5.2
    /// "illegal vector").
    /// </summary>
    public void Accept(int vector, bool level)
    {
        if (!HardwareEnabled || !SoftwareEnabled || (uint)vector > 255)
            return;
        if (vector < 16)
        {
            _esr |= 1u << 6; // Received Illegal Vector (SDM Vol. 3A Figure 11-9)
            return;
        }
        Set(_irr, vector, true);
        Set(_tmr, vector, level);
        Signal();
    }

    /// <summary>An ExtINT message (an I/O APIC pin in ExtINT mode): the vector comes from the 8259A's INTA.</summary>
    public void AcceptExtInt()
    {
        _extIntPending = true;
        Signal();
    }

    /// <summary>
    /// Whether a message addressed to <paramref name="destination"/> in physical or logical mode reaches this APIC
    /// (SDM Vol. 3A §11.6.2: physical IDs with FFH / FFFFFFFFH as broadcast; logical flat or cluster model from
    /// the DFR in xAPIC mode, cluster ID and bit mask from the LDR in x2APIC mode, §11.12.10.2).
    /// </summary>
    public bool Matches(uint destination, bool logical)
    {
        if (X2ApicMode)
        {
            if (destination == 0xFFFF_FFFF || destination == 0xFF)
                return true;
            if (!logical)
                return destination == Id;
            return (destination >> 16) == (_ldr >> 16) && (destination & _ldr & 0xFFFF) != 0;
        }
        destination &= 0xFF;
        if (destination == 0xFF)
            return true;
        if (!logical)
            return destination == (Id & 0xFF);
        var ldr = _ldr >> 24;
        return (_dfr >> 28) == 0xF ? (destination & ldr) != 0
            : (destination >> 4) == (ldr >> 4) && (destination & ldr & 0xF) != 0;
    }

    /// <inheritdoc/>
    public void SetLevel(int line, bool high)
    {
        if (line == 0)
        {
            _lint0 = high;
            Signal();
        }
    }

    /// <summary>
    /// The INTA cycle: the 8259A's vector when the ExtINT path is asserted (KVM x86.c checks the PIC's ExtINT
    /// first too), else the highest requested vector whose priority class exceeds the PPR's, which moves from IRR
    /// to ISR. -1 when nothing is left (a spurious request).
    /// </summary>
    public int Acknowledge()
    {
        if ((_lint0 && VirtualWire) || _extIntPending)
        {
            _extIntPending = false;
            var external = ExternalController?.Acknowledge() ?? -1;
            Signal();
            return external;
        }
        var vector = Deliverable();
        if (vector < 0)
            return -1;
        Set(_irr, vector, false);
        Set(_isr, vector, true);
        Signal();
        return vector;
    }

    /// <summary>
    /// EOI: clears the highest in-service bit; a level-triggered vector (TMR set) is broadcast to the I/O APIC
    /// (SDM Vol. 3A §11.8.5), which clears that entry's remote IRR.
    /// </summary>
    public void EndOfInterrupt()
    {
        var vector = Highest(_isr);
        if (vector < 0)
            return;
        Set(_isr, vector, false);
        if (Test(_tmr, vector))
            IoApic?.EndOfInterrupt(vector);
        Signal();
    }

    /// <inheritdoc/>
    public long NextEventNanoseconds => Timer.NextEventNanoseconds;

    /// <inheritdoc/>
    public void Update()
    {
        if (!Timer.Expire())
            return;
        var lvt = _lvt[LvtTimer];
        if ((lvt & LvtMasked) == 0)
            Accept((int)(lvt & 0xFF), false);
    }

    /// <summary>The highest IRR vector above the processor priority, or -1.</summary>
    private int Deliverable()
    {
        var vector = Highest(_irr);
        return vector >= 0 && (vector >> 4) > (Ppr >> 4) ? vector : -1;
    }

    /// <summary>Recomputes INTR after any change of IRR, ISR, TPR, LINT0 or the enables.</summary>
    private void Signal()
    {
        var extInt = (_lint0 && VirtualWire) || _extIntPending;
        Output.Set(extInt || (HardwareEnabled && Deliverable() >= 0));
    }

    private void ResetRegisters()
    {
        Array.Clear(_irr);
        Array.Clear(_isr);
        Array.Clear(_tmr);
        for (var i = 0; i < _lvt.Length; i++)
            _lvt[i] = LvtMasked;
        // KVM lapic.c kvm_lapic_reset: the BSP's LVT0 starts in ExtINT mode, unmasked (KVM_X86_QUIRK_LINT0_REENABLED),
        // so the 8259A reaches the CPU before the guest programs its APIC; Firecracker's interrupts.rs set_lint
        // programs the same (LINT0 ExtINT, LINT1 NMI).
        _lvt[LvtLint0] = 0x700;
        _lvt[LvtLint1] = 0x400;
        _tpr = 0;
        _ldr = 0;
        _dfr = 0xFFFF_FFFF;
        _svr = 0xFF;
        _esr = 0;
        _icrLow = 0;
        _icrHigh = 0;
        _extIntPending = false;
        Timer.Reset();
    }

    private static int Highest(uint[] bits)
    {
        for (var i = 7; i >= 0; i--)
        {
            if (bits[i] != 0)
                return i * 32 + 31 - System.Numerics.BitOperations.LeadingZeroCount(bits[i]);
        }
        return -1;
    }

    private static bool Test(uint[] bits, int vector) => (bits[vector >> 5] & (1u << (vector & 31))) != 0;

    private static void Set(uint[] bits, int vector, bool value)
    {
        if (value)
            bits[vector >> 5] |= 1u << (vector & 31);
        else
            bits[vector >> 5] &= ~(1u << (vector & 31));
    }
}
