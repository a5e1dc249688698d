using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Devices;
using LoaderHarness.Emulator.Devices.Time;
using LoaderHarness.Emulator.Vcpu;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Devices;

/// <summary>Cloud Hypervisor's ACPI shutdown device (devices/src/acpi.rs AcpiShutdownDevice) at port 0x600.</summary>
[TestFixture]
public class AcpiShutdownPortTests
{
    private static (AcpiShutdownPort Port, List<StopReason> Stops) Device()
    {
        var stops = new List<StopReason>();
        return (new AcpiShutdownPort { Stop = (reason, _) => stops.Add(reason) }, stops);
    }

    [Test]
    public void Writing_the_S5_sleep_value_powers_off()
    {
        var (port, stops) = Device();
        // acpi.rs write: (S5_SLEEP_VALUE 5 << SLEEP_VALUE_BIT 2) | (1 << SLEEP_STATUS_EN_BIT 5) = 0x34.
        AcpiShutdownPort.S5SleepValue.ShouldBe((byte)0x34);
        port.Write(0x600, 1, 0x34);
        stops.ShouldBe([StopReason.PowerOff]);
        port.Requested.ShouldBe(StopReason.PowerOff);
    }

    [Test]
    public void Writing_one_resets()
    {
        var (port, stops) = Device();
        // acpi.rs write: data[0] == 1 → reset_evt (the FADT's RESET_VALUE 1, vmm/src/acpi.rs create_facp_table).
        port.Write(0x600, 1, 1);
        stops.ShouldBe([StopReason.Reset]);
    }

    [Test]
    public void Other_values_and_sizes_do_nothing()
    {
        var (port, stops) = Device();
        port.Write(0x600, 1, 0);
        port.Write(0x600, 1, 5 << 2);
        // acpi.rs write: data.len() != 1 → "Invalid sized write of ACPI shutdown device".
        port.Write(0x600, 2, 0x34);
        port.Write(0x600, 4, 1);
        stops.ShouldBeEmpty();
        port.Requested.ShouldBeNull();
    }

    [Test]
    public void Reads_are_zero()
    {
        var (port, _) = Device();
        // acpi.rs read: "Spec has all fields as zero".
        port.Read(0x600, 1).ShouldBe(0u);
    }

    [Test]
    public void Both_devices_take_four_ports_each_on_the_bus()
    {
        var bus = new IoBus();
        var stops = new List<StopReason>();
        var clock = new ManualClock();
        var devices = new AcpiPlatformDevices(clock, (reason, _) => stops.Add(reason));
        // device_manager.rs add_acpi_devices: shutdown at 0x600 and the PM timer at 0x608, 4 ports each.
        devices.Attach(bus, 0x600, 0x608);
        bus.Out(0x600, 1, 0x34);
        stops.ShouldBe([StopReason.PowerOff]);
        clock.Advance(1_000_000_000);
        bus.In(0x608, 4).ShouldBe(3_579_545u);
    }

    [Test]
    public void Only_the_cloud_hypervisor_profile_has_them()
    {
        // vmm/src/device_manager.rs add_acpi_devices: shutdown_pio_address 0x600, pm_timer_pio_address 0x608.
        VmmProfiles.CloudHypervisor.X86!.AcpiPlatformPorts.ShouldBe(((ushort)0x600, (ushort)0x608));
        VmmProfiles.Firecracker.X86!.AcpiPlatformPorts.ShouldBeNull();
        VmmProfiles.Qemu.X86!.AcpiPlatformPorts.ShouldBeNull();
    }
}
