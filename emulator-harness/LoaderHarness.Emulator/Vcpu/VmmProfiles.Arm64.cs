using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Vcpu;

// The built-in arm64 VMM profiles (each VMM's own source files named on the profile).
public static partial class VmmProfiles
{
    /// <summary>
    /// Firecracker (src/vmm/src/arch/aarch64/{layout,mod,regs}.rs): DRAM at 0x8000_0000, Image at
    /// 0x8020_0000 + text_offset, FDT in the last 2 MiB of DRAM, initrd directly below it, PSTATE 0x3C5.
    /// </summary>
    public static VmmProfile FirecrackerArm64 { get; } = new()
    {
        Name = "firecracker",
        Summary = "Firecracker: DRAM 0x80000000, Image 0x80200000, FDT in the last 2 MiB, initrd below it, EL1h",
        Source = "firecracker src/vmm/src/arch/aarch64/{layout.rs,mod.rs,regs.rs}",
        Arm64 = new Arm64ProfileValues { RamBase = 0x8000_0000, Layout = FdtGuestLayout.Arm64Default },
    };

    /// <summary>
    /// Cloud Hypervisor (arch/src/aarch64/layout.rs, mod.rs): RAM at 0x4000_0000, FDT at its start, Image at
    /// 0x4040_0000 + text_offset (after 2 MiB each of FDT and ACPI), initrd at the end of RAM, PSTATE 0x3C5.
    /// </summary>
    public static VmmProfile CloudHypervisorArm64 { get; } = new()
    {
        Name = "cloud-hypervisor",
        Summary = "Cloud Hypervisor: RAM 0x40000000 with the FDT at its start, Image 0x40400000, initrd at the end of RAM, EL1h",
        Source = "cloud-hypervisor arch/src/aarch64/{layout.rs,mod.rs}",
        Arm64 = new Arm64ProfileValues
        {
            RamBase = 0x4000_0000,
            Layout = new FdtGuestLayout { KernelBase = 0x4040_0000, FdtAddress = 0x4000_0000, InitrdBelowFdt = false },
        },
    };

    /// <summary>
    /// booting.rst's recommended entry: EL2h with DAIF masked (what QEMU <c>-M virt,virtualization=on</c> or
    /// firmware gives), Firecracker's layout otherwise, PSCI over SMC.
    /// </summary>
    public static VmmProfile SpecEl2 { get; } = new()
    {
        Name = "spec-el2",
        Summary = "booting.rst's recommended EL2h entry with Firecracker's layout",
        Source = "Documentation/arch/arm64/booting.rst §4 (EL2 RECOMMENDED)",
        // Entered at EL2 the kernel owns HVC (its hyp stub answers it): PSCI goes to firmware by SMC.
        Arm64 = new Arm64ProfileValues
        {
            RamBase = 0x8000_0000,
            Layout = FdtGuestLayout.Arm64Default with { PsciMethod = LoaderHarness.Loader.Boot.Fdt.FdtPsciMethod.Smc },
            EntryLevel = Arm64EntryLevel.El2,
        },
    };

    /// <summary>
    /// QEMU 7.2 <c>-M virt -cpu cortex-a57</c> as Debian 12's qemu-system-arm runs it: gic-version 2 (virt.c's
    /// default), no EL2/EL3 so the kernel enters at EL1h with QEMU's reset NZCV (Z set), RAM at 0x40000000
    /// (base_memmap VIRT_MEM) starting with QEMU's boot stub, Image at 0x40200000, initrd at RAM + 128 MiB (or half
    /// of smaller RAM), DTB after it on a 2 MiB boundary (hw/arm/boot.c), the whole QEMU virt device tree, PSCI 1.1
    /// over HVC (target/arm/psci.c; virt.c sets the HVC conduit when EL2 is absent).
    /// </summary>
    public static VmmProfile QemuArm64 { get; } = new()
    {
        Name = "qemu",
        Summary = "QEMU 7.2 -M virt -cpu cortex-a57: GICv2, boot stub at 0x40000000, Image 0x40200000, initrd at RAM + 128 MiB, DTB after it, PSCI 1.1 over HVC, EL1h",
        Source = "qemu hw/arm/{virt.c,boot.c}, target/arm/psci.c (v7.2)",
        Arm64 = new Arm64ProfileValues
        {
            RamBase = 0x4000_0000,
            Layout = FdtGuestLayout.QemuVirt,
            Gic = LoaderHarness.Loader.Boot.Fdt.FdtGicVersion.V2,
            PsciVersion = LoaderHarness.Emulator.Arm64.Psci.Version11,
            BootStub = true,
            InitialFlags = 0x4000_0000,
        },
    };

    /// <summary>The arm64 profiles.</summary>
    public static IReadOnlyList<VmmProfile> Arm64 { get; } = [FirecrackerArm64, CloudHypervisorArm64, SpecEl2, QemuArm64];
}
