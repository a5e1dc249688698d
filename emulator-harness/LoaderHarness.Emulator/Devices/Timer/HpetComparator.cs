namespace LoaderHarness.Emulator.Devices.Timer;

/// <summary>
/// One HPET timer (IA-PC HPET spec 1.0a §2.3.8, "Timer N Configuration and Capabilities", "Timer N Comparator Value",
/// "Timer N FSB Interrupt Route") as QEMU 7.2's hw/timer/hpet.c <c>HPETTimer</c> keeps it: the configuration with its
/// read-only capabilities, the comparator, the period a periodic timer adds to it, the FSB route, and the one-shot
/// 32-bit wrap flag. <see cref="Hpet"/> owns the behaviour; this holds the state and the bit layout.
/// </summary>
public sealed class HpetComparator
{
    /// <summary>Tn_INT_TYPE_CNF (bit 1): level-triggered (hw/timer/hpet.c HPET_TN_TYPE_LEVEL).</summary>
    public const ulong LevelTriggered = 1 << 1;
    /// <summary>Tn_INT_ENB_CNF (bit 2): interrupts enabled (HPET_TN_ENABLE).</summary>
    public const ulong InterruptEnable = 1 << 2;
    /// <summary>Tn_TYPE_CNF (bit 3): periodic (HPET_TN_PERIODIC).</summary>
    public const ulong Periodic = 1 << 3;
    /// <summary>Tn_PER_INT_CAP (bit 4, read-only): periodic capable (HPET_TN_PERIODIC_CAP).</summary>
    public const ulong PeriodicCapable = 1 << 4;
    /// <summary>Tn_SIZE_CAP (bit 5, read-only): a 64-bit comparator (HPET_TN_SIZE_CAP).</summary>
    public const ulong SixtyFourBitCapable = 1 << 5;
    /// <summary>Tn_VAL_SET_CNF (bit 6): the next comparator write sets the accumulator of a periodic timer (HPET_TN_SETVAL).</summary>
    public const ulong ValueSet = 1 << 6;
    /// <summary>Tn_32MODE_CNF (bit 8): run as a 32-bit timer (HPET_TN_32BIT).</summary>
    public const ulong ThirtyTwoBitMode = 1 << 8;
    /// <summary>Tn_INT_ROUTE_CNF (bits 9–13): the I/O APIC input (HPET_TN_INT_ROUTE_MASK, _SHIFT 9).</summary>
    public const ulong RouteMask = 0x3E00;
    /// <summary>Tn_FSB_EN_CNF (bit 14): deliver as an FSB (MSI) write (HPET_TN_FSB_ENABLE).</summary>
    public const ulong FsbEnable = 1 << 14;
    /// <summary>hw/timer/hpet.c HPET_TN_CFG_WRITE_MASK: the configuration bits a write changes (0x7F4E).</summary>
    public const ulong WriteMask = 0x7F4E;

    /// <summary>A timer as hw/timer/hpet.c hpet_reset leaves it, with <paramref name="routeCapabilities"/> in Tn_INT_ROUTE_CAP.</summary>
    public HpetComparator(int index, uint routeCapabilities)
    {
        Index = index;
        // hpet_reset: cmp = ~0, config = HPET_TN_PERIODIC_CAP | HPET_TN_SIZE_CAP | intcap << HPET_TN_INT_ROUTE_CAP_SHIFT (32).
        Comparator = ulong.MaxValue;
        Configuration = PeriodicCapable | SixtyFourBitCapable | ((ulong)routeCapabilities << 32);
    }

    /// <summary>The timer's number (its registers at 0x100 + 0x20 × N; its status bit N).</summary>
    public int Index { get; }

    /// <summary>Tn_CONF_CAP: configuration (low half) and the interrupt route capabilities (high half).</summary>
    public ulong Configuration { get; set; }

    /// <summary>Tn_COMPARATOR: the main-counter value that fires the timer.</summary>
    public ulong Comparator { get; set; }

    /// <summary>The period a periodic timer adds to <see cref="Comparator"/> each time it fires.</summary>
    public ulong Period { get; set; }

    /// <summary>Tn_FSB_ROUTE: the FSB interrupt's value (low half) and address (high half).</summary>
    public ulong FsbRoute { get; set; }

    /// <summary>hpet.c <c>wrap_flag</c>: a one-shot 32-bit timer's next firing is the counter's wrap, then the comparator.</summary>
    public bool WrapPending { get; set; }

    /// <summary>When the timer next fires (guest nanoseconds), or <see cref="long.MaxValue"/> when it is not armed.</summary>
    public long DeadlineNanoseconds { get; set; } = long.MaxValue;

    /// <summary>Tn_INT_ENB_CNF.</summary>
    public bool Enabled => (Configuration & InterruptEnable) != 0;

    /// <summary>Tn_TYPE_CNF.</summary>
    public bool IsPeriodic => (Configuration & Periodic) != 0;

    /// <summary>Tn_32MODE_CNF.</summary>
    public bool Is32Bit => (Configuration & ThirtyTwoBitMode) != 0;

    /// <summary>Tn_INT_TYPE_CNF.</summary>
    public bool IsLevelTriggered => (Configuration & LevelTriggered) != 0;

    /// <summary>Tn_FSB_EN_CNF.</summary>
    public bool IsFsbRouted => (Configuration & FsbEnable) != 0;

    /// <summary>Tn_INT_ROUTE_CNF: the I/O APIC input the timer drives outside legacy replacement.</summary>
    public int Route => (int)((Configuration & RouteMask) >> 9);

    /// <summary>
    /// hw/timer/hpet.c hpet_ram_read of this timer's <paramref name="register"/> (its offset in the 0x20-byte block):
    /// Tn_CONF_CAP at 0x00, Tn_COMPARATOR at 0x08, Tn_FSB_ROUTE at 0x10, each as two 32-bit halves; elsewhere 0.
    /// </summary>
    public uint Read32(ulong register) => register switch
    {
        0x00 => (uint)Configuration,
        0x04 => (uint)(Configuration >> 32),
        0x08 => (uint)Comparator,
        0x0C => (uint)(Comparator >> 32),
        0x10 => (uint)FsbRoute,
        0x14 => (uint)(FsbRoute >> 32),
        _ => 0,
    };

    /// <summary>hpet_ram_write HPET_TN_ROUTE / HPET_TN_ROUTE + 4: one half of Tn_FSB_ROUTE.</summary>
    public void WriteFsbRoute(bool high, uint value) =>
        FsbRoute = high ? (FsbRoute & 0xFFFF_FFFFUL) | ((ulong)value << 32) : (FsbRoute & ~0xFFFF_FFFFUL) | value;

    /// <summary>
    /// hw/timer/hpet.c hpet_calculate_diff: ticks from <paramref name="now"/> to the comparator, in the timer's width, at
    /// least 1 (a comparator already passed fires on the next tick).
    /// </summary>
    public ulong TicksUntilComparator(ulong now)
    {
        if (Is32Bit)
        {
            var diff = (uint)Comparator - (uint)now;
            return (int)diff > 0 ? diff : 1u;
        }
        var diff64 = Comparator - now;
        return (long)diff64 > 0 ? diff64 : 1ul;
    }
}
