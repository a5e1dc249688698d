namespace LoaderHarness.Emulator.Devices.Apic;

/// <summary>
/// Where the PC's interrupt controllers live in guest-physical space, for every table that describes them
/// (the MP table's header and I/O APIC entry, an ACPI MADT) and for the devices themselves.
/// </summary>
public static class ApicAddresses
{
    /// <summary>
    /// The local APIC's xAPIC page after reset: IA32_APIC_BASE = FEE00000H (Intel SDM Vol. 3A §11.4.4
    /// "Local APIC Status and Location"; Linux arch/x86/include/asm/apicdef.h APIC_DEFAULT_PHYS_BASE).
    /// </summary>
    public const uint LocalApicBase = 0xFEE0_0000;

    /// <summary>
    /// The first I/O APIC's registers (Intel 82093AA datasheet §3.0 "Register Description": IOREGSEL at
    /// FEC0xy00h with the default xy = 0; Linux apicdef.h IO_APIC_DEFAULT_PHYS_BASE).
    /// </summary>
    public const uint IoApicBase = 0xFEC0_0000;

    /// <summary>Size of the local APIC's MMIO window (one 4 KiB page, SDM Vol. 3A Table 11-1).</summary>
    public const ulong LocalApicWindow = 0x1000;

    /// <summary>Size of the I/O APIC's MMIO window as KVM decodes it (arch/x86/kvm/ioapic.h IOAPIC_MEM_LENGTH 0x100).</summary>
    public const ulong IoApicWindow = 0x100;
}
