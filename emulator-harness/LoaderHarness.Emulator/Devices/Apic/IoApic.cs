namespace LoaderHarness.Emulator.Devices.Apic;

/// <summary>
/// An I/O APIC ("82093AA I/O Advanced Programmable Interrupt Controller (IOAPIC)" datasheet) as KVM emulates it
/// (arch/x86/kvm/ioapic.c): IOREGSEL at offset 0x00 and IOWIN at 0x10, IOAPICID, IOAPICVER (KVM's version 0x11, or
/// QEMU's 0x20) with 24
/// redirection entries (KVM's IOAPIC_NUM_PINS), IOAPICARB, and the redirection table (vector, delivery mode,
/// destination mode, delivery status, polarity, remote IRR, trigger mode, mask, destination). Its input pins are
/// the lines of <see cref="IInterruptSink"/>; edge-triggered pins deliver on the asserting edge, level-triggered
/// pins while asserted with remote IRR clear, which the local APIC's EOI broadcast (<see cref="EndOfInterrupt"/>)
/// clears again. Like KVM, an edge that arrives while the entry is masked is kept and delivered when it is unmasked.
/// </summary>
public sealed class IoApic : IInterruptSink, IMmioDevice
{
    /// <summary>Redirection entries (pins): KVM's IOAPIC_NUM_PINS.</summary>
    public const int Pins = 24;

    /// <summary>The version KVM's in-kernel I/O APIC reports (arch/x86/kvm/ioapic.h IOAPIC_VERSION_ID).</summary>
    public const byte KvmVersion = 0x11;

    /// <summary>
    /// The version QEMU's own I/O APIC reports (hw/intc/ioapic.c, include/hw/i386/ioapic_internal.h IOAPIC_VER_DEF),
    /// which a QEMU guest sees under TCG or with KVM's irqchip off or split.
    /// </summary>
    public const byte QemuVersion = 0x20;

    /// <summary>The version in IOAPICVER's low byte.</summary>
    public byte Version { get; init; } = KvmVersion;

    /// <summary>IOAPICVER: <see cref="Version"/> and the maximum redirection entry, 23, in bits 23:16 (82093AA §3.2.2).</summary>
    public uint VersionRegister => Version | ((uint)Pins - 1) << 16;

    private const ulong Masked = 1UL << 16, RemoteIrr = 1UL << 14, LevelTriggered = 1UL << 15, ActiveLow = 1UL << 13;

    private readonly ulong[] _redirection = new ulong[Pins];
    private uint _levels, _latched, _select, _id;

    /// <summary>An I/O APIC after reset: every entry masked (82093AA §3.2.4).</summary>
    public IoApic()
    {
        for (var i = 0; i < Pins; i++)
            _redirection[i] = Masked;
    }

    /// <summary>The local APIC messages go to (one CPU: every destination that matches it).</summary>
    public LocalApic? Target { get; set; }

    /// <summary>Redirection entry <paramref name="pin"/> as the guest programmed it.</summary>
    public ulong Entry(int pin) => _redirection[pin];

    /// <inheritdoc/>
    public void SetLevel(int line, bool high)
    {
        if ((uint)line >= Pins)
            return;
        var bit = 1u << line;
        var wasHigh = (_levels & bit) != 0;
        _levels = high ? _levels | bit : _levels & ~bit;
        var entry = _redirection[line];
        var asserted = high ^ ((entry & ActiveLow) != 0);
        if ((entry & LevelTriggered) == 0)
        {
            // An asserting edge: the rising edge of an active-high input (falling for active-low).
            if (high != wasHigh && asserted)
            {
                _latched |= bit;
                Service(line);
            }
            return;
        }
        if (asserted)
            Service(line);
    }

    /// <summary>An EOI for <paramref name="vector"/> from the local APIC: clears remote IRR on every level entry with that vector and redelivers a still-asserted line.</summary>
    public void EndOfInterrupt(int vector)
    {
        for (var pin = 0; pin < Pins; pin++)
        {
            var entry = _redirection[pin];
            if ((int)(entry & 0xFF) != vector || (entry & RemoteIrr) == 0)
                continue;
            _redirection[pin] = entry & ~RemoteIrr;
            if (IsAsserted(pin))
                Service(pin);
        }
    }

    /// <summary>IOREGSEL (offset 0x00) and IOWIN (offset 0x10); anything else reads as 0 (82093AA §3.1).</summary>
    public ulong Read(ulong offset, int size) => offset switch
    {
        0x00 => _select,
        0x10 => ReadRegister(_select),
        _ => 0,
    };

    /// <inheritdoc/>
    public void Write(ulong offset, int size, ulong value)
    {
        if (offset == 0x00)
            _select = (uint)value & 0xFF;
        else if (offset == 0x10)
            WriteRegister(_select, (uint)value);
    }

    private uint ReadRegister(uint index)
    {
        switch (index)
        {
            case 0: return _id << 24;
            case 1: return VersionRegister;
            case 2: return _id << 24; // IOAPICARB: the arbitration ID, loaded from IOAPICID (82093AA §3.2.3)
        }
        var pin = (int)(index - 0x10) >> 1;
        if ((uint)pin >= Pins)
            return 0xFFFF_FFFF; // KVM ioapic_read_indirect: registers past the table read all ones
        var entry = _redirection[pin];
        return (index & 1) == 0 ? (uint)entry : (uint)(entry >> 32);
    }

    private void WriteRegister(uint index, uint value)
    {
        if (index == 0)
        {
            _id = (value >> 24) & 0xF;
            return;
        }
        var pin = (int)(index - 0x10) >> 1;
        if ((uint)pin >= Pins)
            return;
        var entry = _redirection[pin];
        // Delivery status (bit 12) and remote IRR (bit 14) are read-only; destination is bits 63:56.
        const ulong readOnly = (1UL << 12) | RemoteIrr;
        entry = (index & 1) == 0
            ? (entry & (0xFFFF_FFFF_0000_0000 | readOnly)) | (value & ~readOnly & 0x1_FFFF)
            : (entry & 0xFFFF_FFFF) | ((ulong)(value & 0xFF00_0000) << 32);
        // KVM ioapic_write_indirect: an edge-triggered entry never holds remote IRR.
        if ((entry & LevelTriggered) == 0)
            entry &= ~RemoteIrr;
        _redirection[pin] = entry;
        if ((entry & Masked) == 0 && ((entry & LevelTriggered) != 0 ? IsAsserted(pin) : (_latched & (1u << pin)) != 0))
            Service(pin);
    }

    private bool IsAsserted(int pin) => ((_levels >> pin) & 1) != 0 ^ ((_redirection[pin] & ActiveLow) != 0);

    /// <summary>Sends entry <paramref name="pin"/>'s message unless it is masked or (level) still awaiting its EOI.</summary>
    private void Service(int pin)
    {
        var entry = _redirection[pin];
        if ((entry & Masked) != 0)
            return;
        var level = (entry & LevelTriggered) != 0;
        if (level && (entry & RemoteIrr) != 0)
            return;
        _latched &= ~(1u << pin);
        if (Target is not { } apic || !apic.Matches((uint)(entry >> 56), (entry & 0x800) != 0))
            return;
        switch ((entry >> 8) & 7)
        {
            case 0 or 1: // fixed, lowest priority
                if (level)
                    _redirection[pin] = entry | RemoteIrr;
                apic.Accept((int)(entry & 0xFF), level);
                break;
            case 7: // ExtINT: the 8259A supplies the vector
                apic.AcceptExtInt();
                break;
        }
    }
}
