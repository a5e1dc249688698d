namespace LoaderHarness.Loader.Boot.Fdt;

/// <summary>The serial port model in the device tree.</summary>
public enum FdtUartModel
{
    /// <summary>ARM PrimeCell UART: <c>"arm,pl011", "arm,primecell"</c>, clocked by a fixed 24 MHz <c>apb-pclk</c>.</summary>
    Pl011,
    /// <summary>16550-compatible UART: <c>"ns16550a"</c> with a <c>clock-frequency</c>.</summary>
    Ns16550a,
}
