namespace LoaderHarness.Emulator.Vcpu.Smbios;

/// <summary>
/// The SMBIOS tables Cloud Hypervisor writes for every x86-64 guest (arch/src/x86_64/smbios.rs setup_smbios, called by
/// configure_system), with no serial number, UUID or OEM strings configured: the SMBIOS 3.2.0 entry point at
/// layout.rs SMBIOS_START (0xF0000), BIOS information, system information and the end-of-table structure.
/// </summary>
public static class CloudHypervisorSmbios
{
    /// <summary>arch/src/x86_64/layout.rs SMBIOS_START.</summary>
    public const ulong Address = 0xF_0000;

    /// <summary>The tables.</summary>
    public static SmbiosTables Build()
    {
        // Type 0 (DSP0134 §7.1): vendor string 1, version string 2, no start segment, release date or ROM size; the
        // characteristics' bit 7 "PCI is supported" (PCI_SUPPORTED) and extension byte 2's bit 4 "SMBIOS table
        // describes a virtual machine" (IS_VIRTUAL_MACHINE).
        Span<byte> bios = stackalloc byte[16];
        bios[0] = 1;
        bios[1] = 2;
        bios[6] = 1 << 7;
        bios[15] = 1 << 4;
        // Type 1 (§7.2): manufacturer string 1, product string 2, no version or serial number, the nil UUID, wake-up
        // type 0, no SKU or family (smbios.rs write_type1_system; length 0x1B).
        Span<byte> system = stackalloc byte[23];
        system[0] = 1;
        system[1] = 2;
        return new SmbiosTables(Address, (3, 2, 0))
            .Add(0, bios, "cloud-hypervisor", "0")
            .Add(1, system, "Cloud Hypervisor", "cloud-hypervisor")
            .Add(127, []); // end of table (§7.45)
    }
}
