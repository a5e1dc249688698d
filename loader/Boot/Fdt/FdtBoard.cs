namespace LoaderHarness.Loader.Boot.Fdt;

/// <summary>Which VMM's device tree <see cref="FdtBuilder"/> writes.</summary>
public enum FdtBoard
{
    /// <summary>The minimal tree Firecracker and Cloud Hypervisor write: memory, cpus, GIC/PLIC, timer, PSCI, one UART.</summary>
    Minimal,
    /// <summary>arm64 only: QEMU 7.2 <c>-M virt -cpu cortex-a57</c>'s whole tree, byte for byte (hw/arm/virt.c).</summary>
    QemuVirt,
}
