namespace LoaderHarness.Loader.Boot.Fdt;

/// <summary>The guest architecture a device tree describes.</summary>
public enum FdtArchitecture
{
    /// <summary>arm64 <c>virt</c>-style guest: GIC, arch timer, PSCI.</summary>
    Arm64,
    /// <summary>riscv64 <c>virt</c>-style guest: per-hart interrupt controllers and a PLIC.</summary>
    Riscv64,
}
