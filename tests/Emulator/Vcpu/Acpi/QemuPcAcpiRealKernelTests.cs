using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Vcpu.Acpi;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu.Acpi;

/// <summary>
/// Debian's 6.1 cloud bzImage through the 16-bit entry under the qemu profile and under QEMU 7.2 <c>-M pc</c> (SeaBIOS,
/// linuxboot_dma.bin), same command line and initramfs, both to the power-off, and the kernel's own "ACPI:" lines compared:
/// what it lists from the RSDP down (drivers/acpi/acpica/tbprint.c), what it reads from the FADT and MADT
/// (arch/x86/kernel/acpi/boot.c), what the interpreter does with the DSDT (drivers/acpi/bus.c, sleep.c, pci_root.c), and the
/// S5 entry on power-off (drivers/acpi/sleep.c acpi_power_off_prepare).
/// <para>
/// The tables are QEMU's byte for byte at QEMU's addresses, and the PIIX3's PIRQ route registers that the PCI interrupt
/// links LNKA–LNKD read through PCI configuration space (the DSDT's P40C region) hold SeaBIOS's routes, so the lines are
/// QEMU's, every one.
/// </para>
/// </summary>
[TestFixture]
[Category("RealKernel")]
[Category("Qemu")]
[Category("Slow")]
public sealed class QemuPcAcpiRealKernelTests
{
    private const string CommandLine = "console=ttyS0 panic=-1 loaderharness.compare=qemu-pc-acpi";

    [Test]
    public void The_bzimage_lists_and_uses_the_same_acpi_tables_as_under_qemu_pc_and_powers_off_through_s5()
    {
        var (ours, qemu) = QemuPcSideBySide.Boot(CommandLine);
        // The log contract finds the tables the kernel lists where the profile wrote them.
        ours.Contracts.Single(c => c.Contract.Id == "x86.log.acpi-tables").Verdict.ShouldBe(ContractVerdict.Pass);
        ours.Contracts.Where(c => c.IsViolation).Select(c => $"{c.Contract.Id}: {c.Detail}").ShouldBeEmpty();
        var ourLines = AcpiLines(ours.Console);
        var qemuLines = AcpiLines(qemu.Log);
        qemuLines.ShouldContain("ACPI: PM: Preparing to enter system sleep state S5", qemu.ToString());
        ourLines.ShouldContain("ACPI: PM: Preparing to enter system sleep state S5");

        ourLines.ShouldBe(qemuLines);
        // The GPE handlers _E01 (PCI hotplug) and _E02 (CPU hotplug), the SCI's link and a PIRQ link.
        ourLines.ShouldContain("ACPI: Enabled 2 GPEs in block 00 to 0F");
        ourLines.ShouldContain("ACPI: PCI: Interrupt link LNKS configured for IRQ 9");
        ourLines.ShouldContain("ACPI: PCI: Interrupt link LNKA configured for IRQ 10");
        // And the lines that show the tables where QEMU has them: the RSDP, the FACS, the DSDT's length, the tables after it,
        // the FADT's PM timer, the MADT's entries, the HPET.
        foreach (var line in (string[])["ACPI: RSDP 0x00000000000F59D0 000014 (v00 BOCHS )", "ACPI: FACS 0x000000001FFE0000 000040",
                     "ACPI: DSDT 0x000000001FFE0040 0018F1 (v01 BOCHS  BXPC     00000001 BXPC 00000001)",
                     "ACPI: WAET 0x000000001FFE1A55 000028 (v01 BOCHS  BXPC     00000001 BXPC 00000001)",
                     "ACPI: PM-Timer IO Port: 0x608", "ACPI: INT_SRC_OVR (bus 0 bus_irq 0 global_irq 2 dfl dfl)",
                     "ACPI: HPET id: 0x8086a201 base: 0xfed00000", "ACPI: PM: (supports S0 S3 S4 S5)",
                     "ACPI: PCI Root Bridge [PCI0] (domain 0000 [bus 00-ff])"])
        {
            qemuLines.ShouldContain(line);
            ourLines.ShouldContain(line);
        }
    }

    /// <summary>The console's lines that start with "ACPI:" once the printk timestamp is cut off.</summary>
    private static string[] AcpiLines(string console) =>
        [.. KernelLogComparison.Lines(console).Where(l => l.StartsWith("ACPI:", StringComparison.Ordinal))];
}
