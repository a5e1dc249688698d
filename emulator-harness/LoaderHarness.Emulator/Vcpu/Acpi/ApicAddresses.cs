namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// Where the x86 VMMs put the interrupt controllers the MADT and the MP table describe, so that the tables and the
/// emulated devices agree. Firecracker src/vmm/src/arch/x86_64/layout.rs <c>APIC_ADDR</c>, <c>IOAPIC_ADDR</c>;
/// Cloud Hypervisor arch/src/x86_64/layout.rs <c>APIC_START</c>, <c>IOAPIC_START</c>: the architectural
/// defaults (Intel SDM Vol. 3A §11.4.1, the 82093AA I/O APIC datasheet).
/// </summary>
public static class ApicAddresses
{
    /// <summary>The local APIC's xAPIC MMIO base.</summary>
    public const uint LocalApic = 0xFEE0_0000;
    /// <summary>The I/O APIC's MMIO base.</summary>
    public const uint IoApic = 0xFEC0_0000;
    /// <summary>The first GSI the I/O APIC serves.</summary>
    public const uint IoApicGsiBase = 0;
}
