using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Devices.Time;

namespace LoaderHarness.Emulator.Devices;

/// <summary>
/// The ACPI fixed-hardware devices a VMM's FADT points at (Cloud Hypervisor: devices/src/acpi.rs AcpiShutdownDevice
/// and AcpiPmTimerDevice, put on the PIO bus by vmm/src/device_manager.rs add_acpi_devices), as one pair to attach.
/// </summary>
public sealed class AcpiPlatformDevices
{
    /// <summary>The devices, the timer counting on <paramref name="clock"/>, the shutdown device ending runs through <paramref name="stop"/>.</summary>
    public AcpiPlatformDevices(IVirtualClock clock, Action<StopReason, string>? stop = null)
    {
        PmTimer = new AcpiPmTimer(clock);
        Shutdown = new AcpiShutdownPort { Stop = stop };
    }

    /// <summary>The sleep control/status and reset register.</summary>
    public AcpiShutdownPort Shutdown { get; }

    /// <summary>The PM timer.</summary>
    public AcpiPmTimer PmTimer { get; }

    /// <summary>
    /// Claims four ports for each at <paramref name="shutdownPort"/> and <paramref name="pmTimerPort"/>
    /// (device_manager.rs: <c>io_bus.insert(shutdown_device, 0x600, 0x4)</c>, <c>io_bus.insert(pm_timer_device, 0x608, 0x4)</c>).
    /// </summary>
    public void Attach(IoBus bus, ushort shutdownPort, ushort pmTimerPort)
    {
        bus.Register(shutdownPort, 4, Shutdown);
        bus.Register(pmTimerPort, 4, PmTimer);
    }
}
