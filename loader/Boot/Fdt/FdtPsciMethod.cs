namespace LoaderHarness.Loader.Boot.Fdt;

/// <summary>The PSCI conduit, the <c>method</c> property of the <c>psci</c> node (arm/psci.yaml).</summary>
public enum FdtPsciMethod
{
    /// <summary><c>"hvc"</c>: calls go to the hypervisor (KVM guests).</summary>
    Hvc,
    /// <summary><c>"smc"</c>: calls go to secure firmware.</summary>
    Smc,
}
