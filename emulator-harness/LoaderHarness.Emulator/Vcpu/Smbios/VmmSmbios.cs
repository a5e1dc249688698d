namespace LoaderHarness.Emulator.Vcpu.Smbios;

/// <summary>
/// The SMBIOS tables crosvm and Cloud Hypervisor write for every x86-64 guest, Cloud Hypervisor's smbios.rs being
/// crosvm's with its own strings: with no serial number, UUID or OEM strings configured and no BIOS image, the SMBIOS
/// 3.2.0 entry point at 0xF0000 (SMBIOS_START), BIOS information, system information and the end-of-table structure.
/// </summary>
public static class VmmSmbios
{
    /// <summary>Both VMMs' SMBIOS_START (crosvm x86_64/src/smbios.rs, Cloud Hypervisor arch/src/x86_64/layout.rs).</summary>
    public const ulong Address = 0xF_0000;

    /// <summary>Cloud Hypervisor v53.0 arch/src/x86_64/smbios.rs setup_smbios, called by configure_system.</summary>
    public static SmbiosTables CloudHypervisor() => Build("cloud-hypervisor", "0", "Cloud Hypervisor", "cloud-hypervisor");

    /// <summary>crosvm f1e797a6 x86_64/src/smbios.rs setup_smbios with its DEFAULT_SMBIOS_* strings, called by build_vm.</summary>
    public static SmbiosTables Crosvm() => Build("crosvm", "0", "ChromiumOS", "crosvm");

    private static SmbiosTables Build(string biosVendor, string biosVersion, string manufacturer, string product)
    {
        // Type 0 (DSP0134 §7.1): vendor string 1, version string 2, no start segment or release date, ROM size 0 (no BIOS
        // image: crosvm's (bios_size >> 16) - 1, saturating), the characteristics' bit 7 "PCI is supported"
        // (PCI_SUPPORTED) and extension byte 2's bit 4 "SMBIOS table describes a virtual machine" (IS_VIRTUAL_MACHINE).
        Span<byte> bios = stackalloc byte[16];
        bios[0] = 1;
        bios[1] = 2;
        bios[6] = 1 << 7;
        bios[15] = 1 << 4;
        // Type 1 (§7.2): manufacturer string 1, product string 2, no version or serial number, the nil UUID, wake-up
        // type 0, no SKU or family (SmbiosSysInfo, length 0x1B).
        Span<byte> system = stackalloc byte[23];
        system[0] = 1;
        system[1] = 2;
        return new SmbiosTables(Address, Address + SmbiosTables.EntryPoint64Length, (3, 2, 0))
            .Add(0, bios, biosVendor, biosVersion)
            .Add(1, system, manufacturer, product)
            .Add(127, []); // end of table (§7.45)
    }
}
