namespace LoaderHarness.Emulator.Vcpu.MultiProcessor;

/// <summary>
/// An MP configuration table (Intel MultiProcessor Specification 1.4, ch. 4) as one VMM writes it: where, the
/// header's OEM strings and entry count, and the base-table entries in the VMM's own order. Processor entries are
/// one per vCPU; the I/O APIC's ID is the number of vCPUs + 1 in every VMM that writes one
/// (Firecracker, Cloud Hypervisor and crosvm mptable.rs: <c>ioapicid = num_cpus + 1</c>).
/// </summary>
public sealed record MpTableValues
{
    /// <summary>Guest-physical address of the floating pointer; the configuration table follows it.</summary>
    public required ulong Address { get; init; }

    /// <summary>
    /// Guest-physical address of the configuration table the floating pointer's PHYSICAL ADDRESS POINTER names; null for
    /// right after the floating pointer (Firecracker, Cloud Hypervisor, qboot). crosvm puts it below the pointer.
    /// </summary>
    public ulong? TableAddress { get; init; }

    /// <summary>The header's 8-byte OEM ID (MP spec Table 4-2).</summary>
    public required string OemId { get; init; }

    /// <summary>The header's 12-byte product ID.</summary>
    public string ProductId { get; init; } = "000000000000";

    /// <summary>APIC version in the processor and I/O APIC entries (all three VMMs: APIC_VERSION 0x14).</summary>
    public byte ApicVersion { get; init; } = 0x14;

    /// <summary>
    /// Whether the header's OEM-table entry count (offset 34) counts the entries (Firecracker since the MP table
    /// moved to its system-memory allocator: <c>oemcount: mp_num_entries</c>, which also counts the floating
    /// pointer); else it stays 0.
    /// </summary>
    public bool CountsEntries { get; init; }

    /// <summary>
    /// With <see cref="CountsEntries"/>: whether the count includes the floating pointer (Firecracker's
    /// <c>mp_num_entries</c> does); SeaBIOS's mptable.c <c>entrycount</c> counts only the base-table entries.
    /// </summary>
    public bool CountsFloatingPointer { get; init; } = true;

    /// <summary>The I/O APIC's ID; null for the number of vCPUs + 1 (the VMMs' mptable.rs). SeaBIOS: BUILD_IOAPIC_ID 0.</summary>
    public byte? IoApicId { get; init; }

    /// <summary>The I/O APIC entry's version; null for <see cref="ApicVersion"/>. SeaBIOS writes 0x11 (the 82093AA's).</summary>
    public byte? IoApicVersion { get; init; }

    /// <summary>
    /// Whether the processor entries carry the CPU's own CPUID leaf 1 (signature from EAX, feature flags from EDX), as
    /// firmware that reads them does (qboot mptable.c mptable_get_cpuid); else the VMMs' fixed CPU_STEPPING 0x600 and
    /// CPU_FEATURE_APIC | CPU_FEATURE_FPU.
    /// </summary>
    public bool ProcessorFromCpuid { get; init; }

    /// <summary>The base-table entries in the order the VMM writes them.</summary>
    public required IReadOnlyList<MpEntry> Entries { get; init; }
}

/// <summary>The kinds of base-table entry (MP spec Table 4-3, entry type codes).</summary>
public enum MpEntryKind : byte
{
    /// <summary>One processor entry per vCPU (type 0, 20 bytes).</summary>
    Processors = 0,
    /// <summary>A bus (type 1).</summary>
    Bus = 1,
    /// <summary>The I/O APIC (type 2).</summary>
    IoApic = 2,
    /// <summary>An I/O interrupt assignment (type 3).</summary>
    IoInterrupt = 3,
    /// <summary>A local interrupt assignment (type 4).</summary>
    LocalInterrupt = 4,
}

/// <summary>
/// One base-table entry. The 8-byte interrupt entries share one layout (type, interrupt type, flags, source bus,
/// source IRQ, destination APIC, destination INTIN/LINTIN; MP spec §4.3.4–4.3.5), so <see cref="TypeCode"/> may
/// differ from <see cref="Kind"/>'s code where a VMM writes it so (crosvm's first interrupt entry).
/// </summary>
/// <param name="Kind">What the entry describes.</param>
/// <param name="InterruptType">0 INT, 1 NMI, 2 SMI, 3 ExtINT (MP spec Table 4-8).</param>
/// <param name="Flags">Polarity bits 1:0, trigger mode bits 3:2 (0 = conforms to the bus).</param>
/// <param name="SourceBus">Source bus ID, or a bus entry's ID.</param>
/// <param name="SourceIrq">Source bus IRQ.</param>
/// <param name="DestinationApic">Destination APIC ID; null for the I/O APIC's.</param>
/// <param name="DestinationInput">Destination INTIN or LINTIN.</param>
/// <param name="BusType">A bus entry's 6-character type string ("ISA   ", "PCI   ").</param>
/// <param name="TypeCode">The entry type byte when it is not <paramref name="Kind"/>'s.</param>
public readonly record struct MpEntry(MpEntryKind Kind, byte InterruptType = 0, ushort Flags = 0, byte SourceBus = 0,
    byte SourceIrq = 0, byte? DestinationApic = null, byte DestinationInput = 0, string? BusType = null, byte? TypeCode = null)
{
    /// <summary>ISA IRQ <paramref name="irq"/> of bus <paramref name="bus"/> to I/O APIC input <paramref name="pin"/>.</summary>
    public static MpEntry IoInterrupt(byte irq, byte pin, byte bus = 0, ushort flags = 0) =>
        new(MpEntryKind.IoInterrupt, 0, flags, bus, irq, null, pin);

    /// <summary>A bus with ID <paramref name="id"/>.</summary>
    public static MpEntry Bus(byte id, string type) => new(MpEntryKind.Bus, SourceBus: id, BusType: type);
}
