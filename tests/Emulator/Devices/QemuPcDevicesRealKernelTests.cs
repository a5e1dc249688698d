using System.Text.RegularExpressions;
using LoaderHarness.Tests.Emulator.Vcpu;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Devices;

/// <summary>
/// Debian's 6.1 cloud bzImage through the 16-bit entry under the qemu profile and under QEMU 7.2 <c>-M pc</c>, same command
/// line and initramfs, both to the power-off, and the kernel's lines about the platform devices the qemu profile adds
/// compared: the HPET (arch/x86/kernel/hpet.c hpet_enable, hpet_clocksource_register, drivers/char/hpet.c hpet_alloc, and
/// drivers/rtc/rtc-cmos.c on HPET RTC emulation) and the i8042 with its keyboard (drivers/input/serio/i8042.c,
/// drivers/input/keyboard/atkbd.c), the PCI bus behind configuration mechanism #1 with the PIIX3's interrupt links, the
/// SMBIOS tables and the I/O APIC.
/// </summary>
[TestFixture]
[Category("RealKernel")]
[Category("Qemu")]
[Category("Slow")]
public sealed partial class QemuPcDevicesRealKernelTests
{
    private const string CommandLine = "console=ttyS0 panic=-1 loaderharness.compare=qemu-pc-devices";

    private static (string Ours, string Qemu) BootBoth()
    {
        var (ours, qemu) = QemuPcSideBySide.Boot(CommandLine);
        return (ours.Console, qemu.Log);
    }

    [Test]
    public void The_kernel_finds_and_uses_the_hpet_as_under_qemu_pc()
    {
        var (ours, qemu) = BootBoth();
        var ourLines = HpetLines(ours);
        var qemuLines = HpetLines(qemu);
        TestContext.Out.WriteLine("ours:\n  " + string.Join("\n  ", ourLines) + "\nqemu:\n  " + string.Join("\n  ", qemuLines));

        // hpet_enable's checks passed and hpet_clocksource_register ran: the 32-bit clocksource at 100 MHz.
        ourLines.ShouldContain("clocksource: hpet: mask: 0xffffffff max_cycles: 0xffffffff, max_idle_ns: 19112604467 ns");
        // hpet_late_init / hpet_alloc: three comparators, timer 0 on IRQ 2 (legacy IRQ 0), timer 1 on IRQ 8.
        ourLines.ShouldContain("hpet0: at MMIO 0xfed00000, IRQs 2, 8, 0");
        ourLines.ShouldContain("hpet0: 3 comparators, 64-bit 100.000000 MHz counter");
        ourLines.ShouldBe(qemuLines.Where(l => !TimingOnly().IsMatch(l)).ToArray());
    }

    [Test]
    public void The_kernel_probes_the_i8042_and_its_keyboard_as_under_qemu_pc()
    {
        var (ours, qemu) = BootBoth();
        var ourLines = I8042Lines(ours);
        var qemuLines = I8042Lines(qemu);
        TestContext.Out.WriteLine("ours:\n  " + string.Join("\n  ", ourLines) + "\nqemu:\n  " + string.Join("\n  ", qemuLines));

        // drivers/input/serio/i8042-acpipnpio.h i8042_pnp_init, i8042_register_ports (after i8042_controller_selftest,
        // i8042_controller_init and i8042_check_aux passed), atkbd_connect's input device for the translated keyboard.
        ourLines.ShouldContain("i8042: PNP: PS/2 Controller [PNP0303:KBD,PNP0f13:MOU] at 0x60,0x64 irq 1,12");
        ourLines.ShouldContain("serio: i8042 KBD port at 0x60,0x64 irq 1");
        ourLines.ShouldContain("serio: i8042 AUX port at 0x60,0x64 irq 12");
        ourLines.ShouldContain("input: AT Translated Set 2 keyboard as /devices/platform/i8042/serio0/input/input0");
        ourLines.Select(l => InputNumber().Replace(l, "/input/inputN")).ShouldBe(qemuLines.Select(l => InputNumber().Replace(l, "/input/inputN")));
    }

    [Test]
    public void The_kernel_enumerates_the_pci_bus_and_routes_its_links_as_under_qemu_pc()
    {
        var (ours, qemu) = BootBoth();
        var ourLines = PciLines(ours);
        var qemuLines = PciLines(qemu);
        TestContext.Out.WriteLine("ours:\n  " + string.Join("\n  ", ourLines) + "\nqemu:\n  " + string.Join("\n  ", qemuLines));

        // arch/x86/pci/direct.c pci_direct_probe found mechanism #1; drivers/pci/probe.c pci_setup_device and __pci_read_base
        // read each function and sized its BAR; drivers/acpi/pci_link.c read PIIX3's PIRQ routes through the DSDT's LNKx._CRS.
        ourLines.ShouldContain("PCI: Using configuration type 1 for base access");
        ourLines.ShouldContain("pci 0000:00:01.1: BAR 4 [io  0xc000-0xc00f]");
        ourLines.ShouldContain("pci 0000:00:01.3: quirk: [io  0x0600-0x063f] claimed by PIIX4 ACPI");
        ourLines.ShouldContain("ACPI: PCI: Interrupt link LNKC configured for IRQ 11");
        ourLines.ShouldBe(qemuLines);
        KernelLogComparison.Lines(ours).ShouldNotContain(l => l.StartsWith("ACPI Error", StringComparison.Ordinal));
    }

    [Test]
    public void The_kernel_reads_the_smbios_tables_as_under_qemu_pc()
    {
        var (ours, qemu) = BootBoth();
        // drivers/firmware/dmi_scan.c dmi_present and dmi_format_ids: SeaBIOS's 2.8 entry point, QEMU's system and SeaBIOS's BIOS.
        string[] DmiLines(string console) =>
            [.. KernelLogComparison.Lines(console).Where(l => l.StartsWith("SMBIOS", StringComparison.Ordinal) || l.StartsWith("DMI", StringComparison.Ordinal))];
        DmiLines(ours).ShouldBe(["SMBIOS 2.8 present.", "DMI: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014"]);
        DmiLines(ours).ShouldBe(DmiLines(qemu));
    }

    [Test]
    public void The_kernel_registers_the_io_apic_as_under_qemu_pc()
    {
        var (ours, qemu) = BootBoth();
        // arch/x86/kernel/apic/io_apic.c mp_register_ioapic prints the version it read from IOAPICVER: QEMU's own I/O APIC's.
        string[] IoApicLines(string console) => [.. KernelLogComparison.Lines(console).Where(l => l.StartsWith("IOAPIC[", StringComparison.Ordinal))];
        IoApicLines(ours).ShouldBe(["IOAPIC[0]: apic_id 0, version 32, address 0xfec00000, GSI 0-23"]);
        IoApicLines(ours).ShouldBe(IoApicLines(qemu));
    }

    /// <summary>The console's lines from the PCI core and ACPI's PCI root and links.</summary>
    private static string[] PciLines(string console) =>
        [.. KernelLogComparison.Lines(console).Where(l => l.StartsWith("pci ", StringComparison.Ordinal) || l.StartsWith("pci_bus", StringComparison.Ordinal)
            || l.StartsWith("PCI", StringComparison.Ordinal) || l.StartsWith("ACPI: PCI", StringComparison.Ordinal))];

    /// <summary>The console's lines from the i8042 driver, serio and the input core.</summary>
    private static string[] I8042Lines(string console) =>
        [.. KernelLogComparison.Lines(console).Where(l => l.StartsWith("i8042", StringComparison.Ordinal) || l.StartsWith("serio:", StringComparison.Ordinal)
            || l.StartsWith("input:", StringComparison.Ordinal) || l.StartsWith("atkbd", StringComparison.Ordinal))];

    /// <summary>The console's lines that mention the HPET, once the printk timestamp is cut off.</summary>
    private static string[] HpetLines(string console) =>
        [.. KernelLogComparison.Lines(console).Where(l => l.Contains("hpet", StringComparison.OrdinalIgnoreCase))];

    // Lines that follow from TCG's timing or from the CPU model, not from the HPET: QEMU's PIT calibration failing over to
    // the HPET (arch/x86/kernel/tsc.c "using %s reference calibration"; the profile reports its TSC frequency in CPUID, so
    // the kernel calibrates nothing), RTC interrupts the host was too slow to deliver (arch/x86/kernel/hpet.c
    // hpet_rtc_timer_reinit "Lost %d RTC interrupts"), and hpet_select_clockevents' "%d channels of %d reserved for per-cpu
    // timers", which it prints only for a CPU without ARAT (CPUID.6:EAX[2]): TCG's qemu64 has none, the profile's CPUID has it.
    // The number input_register_device gives a device (drivers/input/input.c, "input%lu" from input_ida) follows the order
    // in which devices register. atkbd registers from serio's kseriod work; under QEMU, whose clock is the host's, another
    // input device sometimes registers first (one clean-clone CI run in several showed the keyboard as input1).
    [GeneratedRegex(@"/input/input\d+$")]
    private static partial Regex InputNumber();

    [GeneratedRegex(@"^tsc: using HPET reference calibration$|^hpet: Lost \d+ RTC interrupts$|^hpet: \d+ channels of \d+ reserved for per-cpu timers$")]
    private static partial Regex TimingOnly();
}
