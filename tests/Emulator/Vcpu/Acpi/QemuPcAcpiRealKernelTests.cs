using System.Globalization;
using System.Text.RegularExpressions;
using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.Vcpu.Acpi;
using LoaderHarness.Fixtures.Initramfs;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
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
/// The only differences allowed are the ones that follow from our DSDT being a subset of QEMU's (<see cref="QemuPcDsdt"/>):
/// its length, the addresses of the tables packed after it (and their "Reserving … table memory" ranges), and the lines
/// from AML we leave out: the GPE methods <c>_E01</c>/<c>_E02</c> of PCI and CPU hotplug ("Enabled 2 GPEs") and the PCI
/// interrupt link devices LNKA–LNKD, LNKS ("Interrupt link … configured").
/// </para>
/// </summary>
[TestFixture]
[Category("RealKernel")]
[Category("Qemu")]
[Category("Slow")]
public sealed partial class QemuPcAcpiRealKernelTests
{
    private const string CommandLine = "console=ttyS0 panic=-1 loaderharness.compare=qemu-pc-acpi";

    /// <summary>QEMU's DSDT length for this machine: the live guest's "ACPI: DSDT 0x000000001FFE0040 0018F1".</summary>
    private const int QemuDsdtLength = 0x18F1;

    [Test]
    public void The_bzimage_lists_and_uses_the_same_acpi_tables_as_under_qemu_pc_and_powers_off_through_s5()
    {
        QemuOracle.Require(QemuMachine.Pc);
        var kernel = Path.Combine(DebianKernel.Directory(), "vmlinuz");
        var initrd = Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", FixtureInitramfs.Folder, FixtureInitramfs.X86_64);
        var qemu = QemuOracle.Boot(QemuMachine.Pc, kernel, initrd, CommandLine, TimeSpan.FromMinutes(3));
        var ours = KernelBoot.Run(File.ReadAllBytes(kernel), new KernelBootOptions
        {
            Profile = VmmProfiles.Qemu,
            Protocol = BootProtocol.Linux16,
            CommandLine = CommandLine,
            Initrd = File.ReadAllBytes(initrd),
            MemorySize = 512UL << 20,
            Until = ConsoleMilestones.Shutdown,
            MaxInstructions = 3_000_000_000,
            Engine = EngineTier.Tiered,
        });
        TestContext.Out.WriteLine($"ours: {ours.StopReason} after {ours.Instructions:N0} instructions ({ours.LastConsoleLine}); qemu: {qemu.Stop}");

        // PIIX4's PM1a_CNT took SLP_TYP 0 (_S5_) with SLP_EN: the run ended as a power-off, after the kernel said so.
        ours.StopReason.ShouldBe(StopReason.PowerOff);
        // The log contract finds the tables the kernel lists where the profile wrote them.
        ours.Contracts.Single(c => c.Contract.Id == "x86.log.acpi-tables").Verdict.ShouldBe(ContractVerdict.Pass);
        ours.Contracts.Where(c => c.IsViolation).Select(c => $"{c.Contract.Id}: {c.Detail}").ShouldBeEmpty();
        var ourLines = AcpiLines(ours.Console);
        var qemuLines = AcpiLines(qemu.Log);
        qemuLines.ShouldContain("ACPI: PM: Preparing to enter system sleep state S5", qemu.ToString());
        ourLines.ShouldContain("ACPI: PM: Preparing to enter system sleep state S5");

        var tables = QemuPcAcpi.For(new GuestMemory([new GuestRegion(0, 512UL << 20)]));
        var dsdtLength = tables.Find("DSDT")!.Length;
        var shift = (ulong)(QemuDsdtLength - dsdtLength);
        string[] leftOut = ["ACPI: Enabled 2 GPEs in block 00 to 0F"];
        var expected = qemuLines
            .Where(l => !leftOut.Contains(l) && !l.StartsWith("ACPI: PCI: Interrupt link LNK", StringComparison.Ordinal))
            .Select(l => Shifted(l, shift, dsdtLength)).ToArray();
        ourLines.ShouldBe(expected);
        // And what is the same without any adjustment: the RSDP, the FACS, the FADT's PM timer, the MADT's entries, the HPET.
        foreach (var line in (string[])["ACPI: RSDP 0x00000000000F59D0 000014 (v00 BOCHS )", "ACPI: FACS 0x000000001FFE0000 000040",
                     "ACPI: PM-Timer IO Port: 0x608", "ACPI: INT_SRC_OVR (bus 0 bus_irq 0 global_irq 2 dfl dfl)",
                     "ACPI: HPET id: 0x8086a201 base: 0xfed00000", "ACPI: PM: (supports S0 S3 S4 S5)",
                     "ACPI: PCI Root Bridge [PCI0] (domain 0000 [bus 00-ff])"])
        {
            qemuLines.ShouldContain(line);
            ourLines.ShouldContain(line);
        }
    }

    [Test]
    public void Shifting_moves_the_tables_after_the_dsdt_and_gives_the_dsdt_our_length()
    {
        Shifted("ACPI: FACP 0x000000001FFE1931 000074 (v01 BOCHS  BXPC     00000001 BXPC 00000001)", 0x1575, 0x37C)
            .ShouldBe("ACPI: FACP 0x000000001FFE03BC 000074 (v01 BOCHS  BXPC     00000001 BXPC 00000001)");
        Shifted("ACPI: DSDT 0x000000001FFE0040 0018F1 (v01 BOCHS  BXPC     00000001 BXPC 00000001)", 0x1575, 0x37C)
            .ShouldBe("ACPI: DSDT 0x000000001FFE0040 00037C (v01 BOCHS  BXPC     00000001 BXPC 00000001)");
        Shifted("ACPI: Reserving DSDT table memory at [mem 0x1ffe0040-0x1ffe1930]", 0x1575, 0x37C)
            .ShouldBe("ACPI: Reserving DSDT table memory at [mem 0x1ffe0040-0x1ffe03bb]");
        Shifted("ACPI: Reserving WAET table memory at [mem 0x1ffe1a55-0x1ffe1a7c]", 0x1575, 0x37C)
            .ShouldBe("ACPI: Reserving WAET table memory at [mem 0x1ffe04e0-0x1ffe0507]");
        Shifted("ACPI: FACS 0x000000001FFE0000 000040", 0x1575, 0x37C).ShouldBe("ACPI: FACS 0x000000001FFE0000 000040");
    }

    /// <summary>The console's lines that start with "ACPI:" once the printk timestamp is cut off.</summary>
    private static string[] AcpiLines(string console) =>
        [.. KernelLogComparison.Lines(console).Where(l => l.StartsWith("ACPI:", StringComparison.Ordinal))];

    /// <summary>QEMU's line as it reads with our DSDT's length: the tables after the DSDT <paramref name="shift"/> bytes lower.</summary>
    private static string Shifted(string line, ulong shift, int dsdtLength)
    {
        if (TableLine().Match(line) is { Success: true } t && t.Groups[1].Value != "RSDP" && t.Groups[1].Value != "FACS")
        {
            var address = ulong.Parse(t.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            return t.Groups[1].Value == "DSDT"
                ? line.Replace($" {t.Groups[3].Value} ", $" {dsdtLength:X6} ", StringComparison.Ordinal)
                : line.Replace(t.Groups[2].Value, $"{address - shift:X16}", StringComparison.Ordinal);
        }
        if (ReserveLine().Match(line) is { Success: true } r && r.Groups[1].Value != "FACS")
        {
            var (start, last) = (ulong.Parse(r.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                ulong.Parse(r.Groups[3].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            var (newStart, newLast) = r.Groups[1].Value == "DSDT" ? (start, start + (ulong)dsdtLength - 1) : (start - shift, last - shift);
            return line.Replace($"0x{r.Groups[2].Value}-0x{r.Groups[3].Value}", $"0x{newStart:x}-0x{newLast:x}", StringComparison.Ordinal);
        }
        return line;
    }

    // tbprint.c acpi_tb_print_table_header: "%-4.4s 0x%8.8X%8.8X %06X".
    [GeneratedRegex(@"^ACPI: (\S{4}) 0x([0-9A-F]{16}) ([0-9A-F]{6})")]
    private static partial Regex TableLine();

    // drivers/acpi/tables.c acpi_table_init_complete / acpi_reserve_initial_tables: "Reserving %4.4s table memory at [mem 0x%llx-0x%llx]".
    [GeneratedRegex(@"^ACPI: Reserving (\S{4}) table memory at \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\]")]
    private static partial Regex ReserveLine();
}
