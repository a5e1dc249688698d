using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Vcpu;

/// <summary>The built-in arm64 VMM profiles (values from ../shared/docs/boot-contracts.md §4.3–4.5).</summary>
public static class Arm64VmmProfiles
{
    /// <summary>
    /// Firecracker (src/vmm/src/arch/aarch64/{layout,mod,regs}.rs): DRAM at 0x8000_0000, Image at
    /// 0x8020_0000 + text_offset, FDT in the last 2 MiB of DRAM, initrd directly below it, PSTATE 0x3C5.
    /// </summary>
    public static Arm64VmmProfile Firecracker { get; } = new()
    {
        Name = "firecracker",
        Summary = "Firecracker: DRAM 0x80000000, Image 0x80200000, FDT in the last 2 MiB, initrd below it, EL1h",
        Source = "firecracker src/vmm/src/arch/aarch64/{layout.rs,mod.rs,regs.rs}",
        RamBase = 0x8000_0000,
        Layout = FdtGuestLayout.Arm64Default,
    };

    /// <summary>
    /// Cloud Hypervisor (arch/src/aarch64/layout.rs, mod.rs): RAM at 0x4000_0000, FDT at its start, Image at
    /// 0x4040_0000 + text_offset (after 2 MiB each of FDT and ACPI), initrd at the end of RAM, PSTATE 0x3C5.
    /// </summary>
    public static Arm64VmmProfile CloudHypervisor { get; } = new()
    {
        Name = "cloud-hypervisor",
        Summary = "Cloud Hypervisor: RAM 0x40000000 with the FDT at its start, Image 0x40400000, initrd at the end of RAM, EL1h",
        Source = "cloud-hypervisor arch/src/aarch64/{layout.rs,mod.rs}",
        RamBase = 0x4000_0000,
        Layout = new FdtGuestLayout { KernelBase = 0x4040_0000, FdtAddress = 0x4000_0000, InitrdBelowFdt = false },
    };

    /// <summary>
    /// booting.rst's recommended entry: EL2h with DAIF masked (what QEMU <c>-M virt,virtualization=on</c> or
    /// firmware gives), Firecracker's layout otherwise.
    /// </summary>
    public static Arm64VmmProfile SpecEl2 { get; } = new()
    {
        Name = "spec-el2",
        Summary = "booting.rst's recommended EL2h entry with Firecracker's layout",
        Source = "Documentation/arch/arm64/booting.rst §4 (EL2 RECOMMENDED)",
        RamBase = 0x8000_0000,
        Layout = FdtGuestLayout.Arm64Default,
        EntryLevel = Arm64EntryLevel.El2,
    };

    /// <summary>All of them.</summary>
    public static IReadOnlyList<Arm64VmmProfile> All { get; } = [Firecracker, CloudHypervisor, SpecEl2];

    /// <summary>The profile named <paramref name="name"/> (case-insensitive), or null.</summary>
    public static Arm64VmmProfile? Find(string name) => All.FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}
