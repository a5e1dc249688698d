namespace LoaderHarness.Emulator.Vcpu;

/// <summary>The exception level an arm64 kernel is entered at (Documentation/arch/arm64/booting.rst §4 "CPU mode").</summary>
public enum Arm64EntryLevel
{
    /// <summary>EL1h: what KVM-based VMMs (Firecracker, Cloud Hypervisor, crosvm) give their guests.</summary>
    El1,
    /// <summary>EL2h: booting.rst's recommendation; the kernel installs its hyp stub and drops to EL1 itself.</summary>
    El2,
}
