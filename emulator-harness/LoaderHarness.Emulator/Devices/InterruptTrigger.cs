namespace LoaderHarness.Emulator.Devices;

/// <summary>How a device signals on an interrupt line.</summary>
public enum InterruptTrigger
{
    /// <summary>The line stays high while the device wants service (PCI INTx, the PL011's UARTINTR, GIC level-sensitive SPIs).</summary>
    Level,
    /// <summary>Each request is a rising edge; the line does not stay high (ISA IRQs on the 8259, the 8254's OUT0 as wired on a PC).</summary>
    Edge,
}
