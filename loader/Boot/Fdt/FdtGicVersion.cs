namespace LoaderHarness.Loader.Boot.Fdt;

/// <summary>The arm64 interrupt controller generation (Linux bindings interrupt-controller/arm,gic*.yaml).</summary>
public enum FdtGicVersion
{
    /// <summary>GICv2: <c>arm,cortex-a15-gic</c>, distributor + CPU interface, at most 8 CPUs.</summary>
    V2,
    /// <summary>GICv3: <c>arm,gic-v3</c>, distributor + one redistributor region.</summary>
    V3,
}
