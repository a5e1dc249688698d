using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Devices;

/// <summary>
/// Cloud Hypervisor's ACPI shutdown device (devices/src/acpi.rs <c>AcpiShutdownDevice</c>, at port 0x600 on x86_64 per
/// vmm/src/device_manager.rs add_acpi_devices), which its FADT names as RESET_REG, SLEEP_CONTROL_REG and
/// SLEEP_STATUS_REG (vmm/src/acpi.rs create_facp_table). A byte write of <see cref="ResetValue"/> resets the machine,
/// of <see cref="S5SleepValue"/> powers it off; whoever runs the CPU ends the run through <see cref="Stop"/>.
/// </summary>
public sealed class AcpiShutdownPort : IPortDevice
{
    /// <summary>acpi.rs write: <c>data[0] == 1</c> signals the reset event (the FADT's RESET_VALUE 1).</summary>
    public const byte ResetValue = 1;

    /// <summary>
    /// acpi.rs write: <c>(S5_SLEEP_VALUE &lt;&lt; SLEEP_VALUE_BIT) | (1 &lt;&lt; SLEEP_STATUS_EN_BIT)</c> with S5_SLEEP_VALUE 5,
    /// SLEEP_VALUE_BIT 2, SLEEP_STATUS_EN_BIT 5: SLP_TYP 5 (the DSDT's <c>_S5_</c>) with SLP_EN (ACPI 6.5 section 4.8.3.7).
    /// </summary>
    public const byte S5SleepValue = (5 << 2) | (1 << 5);

    /// <summary>Called with <see cref="StopReason.Reset"/> or <see cref="StopReason.PowerOff"/> and a detail line.</summary>
    public Action<StopReason, string>? Stop { get; set; }

    /// <summary>What the guest last asked for, or null.</summary>
    public StopReason? Requested { get; private set; }

    /// <inheritdoc/>
    /// <remarks>acpi.rs read: "Spec has all fields as zero" (other sizes are refused, here also read 0).</remarks>
    public uint Read(ushort port, int size) => 0;

    /// <inheritdoc/>
    /// <remarks>Only byte writes count (acpi.rs: "Invalid sized write" otherwise); other values are ignored.</remarks>
    public void Write(ushort port, int size, uint value)
    {
        if (size != 1)
            return;
        StopReason reason;
        string detail;
        switch ((byte)value)
        {
            case ResetValue:
                (reason, detail) = (StopReason.Reset, "ACPI reset (0x1 to the shutdown device)");
                break;
            case S5SleepValue:
                (reason, detail) = (StopReason.PowerOff, "ACPI S5 (0x34 to the shutdown device)");
                break;
            default:
                return;
        }
        Requested = reason;
        Stop?.Invoke(reason, detail);
    }
}
