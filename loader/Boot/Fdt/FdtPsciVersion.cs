namespace LoaderHarness.Loader.Boot.Fdt;

/// <summary>Which PSCI version the <c>psci</c> node advertises (Linux bindings arm/psci.yaml).</summary>
public enum FdtPsciVersion
{
    /// <summary><c>"arm,psci-0.2"</c>, what Firecracker and Cloud Hypervisor advertise.</summary>
    V0_2,
    /// <summary><c>"arm,psci-1.0", "arm,psci-0.2"</c>.</summary>
    V1_0,
}
