using System.Diagnostics;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.Vcpu.Acpi;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu.Acpi;

/// <summary>
/// ACPICA's own disassembler (<c>iasl -d</c>, Debian acpica-tools) as the oracle: it parses each table we write
/// as the kernel's ACPICA would, checks its checksum, and prints every field, so a wrong offset or a malformed
/// AML term shows up in its listing. Missing iasl fails the test under CI=true and ignores it otherwise.
/// </summary>
[TestFixture]
public sealed class IaslDisassemblyTests
{
    private static string Disassemble(AcpiTable table)
    {
        var iasl = Prerequisite.RequireTool("iasl", "acpica-tools");
        var dir = Directory.CreateTempSubdirectory("acpi-");
        try
        {
            var aml = Path.Combine(dir.FullName, table.Signature.Trim() + ".dat");
            File.WriteAllBytes(aml, table.Bytes);
            var start = new ProcessStartInfo(iasl) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir.FullName };
            start.ArgumentList.Add("-d");
            start.ArgumentList.Add(aml);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.WaitForExit(TimeSpan.FromSeconds(30)).ShouldBeTrue("iasl -d did not finish in 30 s");
            process.ExitCode.ShouldBe(0, stdout.Result + stderr.Result);
            return File.ReadAllText(Path.ChangeExtension(aml, ".dsl"));
        }
        finally
        {
            dir.Delete(true);
        }
    }

    private static string Firecracker(string signature) => Disassemble(FirecrackerAcpi.Build().Find(signature).ShouldNotBeNull());

    [TestCase("XSDT")]
    [TestCase("FACP")]
    [TestCase("APIC")]
    [TestCase("MCFG")]
    [TestCase("DSDT")]
    public void Iasl_finds_no_checksum_error_in_the_firecracker_table(string signature)
    {
        var dsl = Firecracker(signature);

        TestContext.Out.WriteLine(dsl);
        dsl.ShouldNotContain("Incorrect checksum");
        // A data table's listing has "Oem ID : "FIRECK"", the DSDT's header comment "OEM ID "FIRECK"".
        Normalize(dsl).ShouldMatch("(Oem ID : |OEM ID )\"FIRECK\"");
    }

    [Test]
    public void Iasl_reads_the_fadt_as_hardware_reduced_with_firecrackers_dsdt_and_vendor()
    {
        var dsl = Normalize(Firecracker("FACP"));

        dsl.ShouldContain("Hardware Reduced (V5) : 1");
        dsl.ShouldContain("Control Method Power Button (V1) : 1");
        dsl.ShouldContain("Control Method Sleep Button (V1) : 1");
        dsl.ShouldContain("VGA Not Present (V4) : 1");
        dsl.ShouldContain("FADT Minor Revision : 05");
        dsl.ShouldContain($"[08Ch 0140 8] DSDT Address : {FirecrackerAcpi.Build().Find("DSDT")!.Address:X16}");
        dsl.ShouldContain("Hypervisor ID : 4D564B4345524946"); // "FIRECKVM" read as a little-endian UINT64
    }

    [Test]
    public void Iasl_reads_the_madt_as_one_io_apic_and_one_enabled_local_apic()
    {
        var dsl = Normalize(Firecracker("APIC"));

        dsl.ShouldContain("Local Apic Address : FEE00000");
        dsl.ShouldContain("Subtable Type : 01 [I/O APIC]");
        dsl.ShouldContain("Address : FEC00000");
        dsl.ShouldContain("Subtable Type : 00 [Processor Local APIC]");
        dsl.ShouldContain("Processor Enabled : 1");
        dsl.ShouldNotContain("Interrupt Source Override");
    }

    [Test]
    public void Iasl_decompiles_the_dsdt_to_firecrackers_devices()
    {
        var dsl = Normalize(Firecracker("DSDT"));

        dsl.ShouldContain("Device (_SB.VGEN)");
        dsl.ShouldContain("Name (_HID, \"VMGENCTR\")");
        dsl.ShouldContain("Device (_SB.VCLK)");
        dsl.ShouldContain("Device (_SB.GED)");
        dsl.ShouldContain("Method (_EVT, 1, Serialized)");
        dsl.ShouldContain("Notify (\\_SB.VGEN, 0x80)");
        dsl.ShouldContain("Device (_SB.COM1)");
        dsl.ShouldContain("Name (_HID, EisaId (\"PNP0501\")");
        dsl.ShouldContain("IO (Decode16, 0x03F8, // Range Minimum 0x03F8, // Range Maximum 0x01, // Alignment 0x08, // Length )");
        dsl.ShouldContain("Device (_SB.PS2)");
        dsl.ShouldContain("Name (_HID, EisaId (\"PNP0303\")");
    }

    private static string CloudHypervisor(string signature) => Disassemble(CloudHypervisorAcpi.Build().Find(signature).ShouldNotBeNull());

    [TestCase("XSDT")]
    [TestCase("FACP")]
    [TestCase("APIC")]
    [TestCase("MCFG")]
    [TestCase("DSDT")]
    public void Iasl_finds_no_checksum_error_in_the_cloud_hypervisor_table(string signature)
    {
        var dsl = CloudHypervisor(signature);

        TestContext.Out.WriteLine(dsl);
        dsl.ShouldNotContain("Incorrect checksum");
        Normalize(dsl).ShouldMatch("(Oem ID : |OEM ID )\"CLOUDH\"");
    }

    [Test]
    public void Iasl_reads_cloud_hypervisors_fadt_as_hardware_reduced_with_reset_and_pm_timer()
    {
        var dsl = Normalize(CloudHypervisor("FACP"));

        dsl.ShouldContain("Hardware Reduced (V5) : 1");
        dsl.ShouldContain("Reset Register Supported (V2) : 1");
        dsl.ShouldContain("32-bit PM Timer (V1) : 1");
        dsl.ShouldContain("FADT Minor Revision : 03");
        dsl.ShouldContain($"[08Ch 0140 8] DSDT Address : {CloudHypervisorAcpi.Build().Find("DSDT")!.Address:X16}");
        dsl.ShouldContain("Hypervisor ID : 50594844554F4C43"); // "CLOUDHYP" read as a little-endian UINT64
    }

    [Test]
    public void Iasl_reads_cloud_hypervisors_madt_as_an_x2apic_the_io_apic_and_one_override()
    {
        var dsl = Normalize(CloudHypervisor("APIC"));

        dsl.ShouldContain("Local Apic Address : FEE00000");
        dsl.ShouldContain("Subtable Type : 09 [Processor Local x2APIC]");
        dsl.ShouldContain("Subtable Type : 01 [I/O APIC]");
        dsl.ShouldContain("Subtable Type : 02 [Interrupt Source Override]");
        dsl.ShouldContain("Source : 04");
    }

    [Test]
    public void Iasl_decompiles_cloud_hypervisors_dsdt()
    {
        var dsl = Normalize(CloudHypervisor("DSDT"));

        dsl.ShouldContain("Device (_SB.MBRD)");
        dsl.ShouldContain("Name (_HID, EisaId (\"PNP0C02\")");
        dsl.ShouldContain("Device (_SB.COM1)");
        dsl.ShouldContain("IO (Decode16, 0x03F8, // Range Minimum 0x03F8, // Range Maximum 0x00, // Alignment 0x08, // Length )");
        dsl.ShouldContain("Name (_S5, Package (0x04) // _S5_: S5 System State { 0x05, 0x05, Zero, Zero })");
        dsl.ShouldContain("Device (_SB.PWRB)");
        dsl.ShouldContain("Name (_HID, EisaId (\"PNP0C0C\")");
    }

    [Test]
    public void Iasl_decompiles_cloud_hypervisors_hotplug_pci_ged_cpu_and_memory_devices()
    {
        var dsl = Normalize(CloudHypervisor("DSDT"));

        // The device manager's PCI hotplug controller and segment.
        dsl.ShouldContain("Device (_SB.PHPR)");
        dsl.ShouldContain("OperationRegion (PCST, SystemMemory, 0x000000FFFFFEF000, 0x10)");
        dsl.ShouldContain("Field (PCST, DWordAcc, NoLock, WriteAsZeros) { PCIU, 32, PCID, 32, B0EJ, 32, PSEG, 32 }");
        dsl.ShouldContain("B0EJ = (One << Arg0)");
        dsl.ShouldContain("Device (_SB.PC00)");
        dsl.ShouldContain("Name (_HID, EisaId (\"PNP0A08\") /* PCI Express Bus */)");
        dsl.ShouldContain("ToUUID (\"e5c937d0-3553-4d7a-9117-ea4d19c3434d\") /* Device Labeling Interface */");
        dsl.ShouldContain("0x00000000C0000000, // Range Minimum 0x00000000E7FFFFFF, // Range Maximum");
        dsl.ShouldContain("0x0000000100000000, // Range Minimum 0x000000FFFFEEFFFF, // Range Maximum");
        dsl.ShouldContain("Device (S031)");
        dsl.ShouldContain("\\_SB.PHPR.PCEJ (_SUN, _SEG)");
        dsl.ShouldContain("Name (_PRT, Package (0x20) // _PRT: PCI Routing Table");
        dsl.ShouldContain("Package (0x04) { 0x001FFFFF, Zero, Zero, 0x0C }");
        // The GED pair on IRQ 13.
        dsl.ShouldContain("Device (_SB.GEC)");
        dsl.ShouldContain("OperationRegion (GDST, SystemMemory, 0x000000FFFFFED000, One)");
        dsl.ShouldContain("Notify (\\_SB.PWRB, 0x80) // Status Change");
        dsl.ShouldContain("Device (_SB.GED)");
        dsl.ShouldContain("Name (_HID, \"ACPI0013\" /* Generic Event Device */)");
        dsl.ShouldContain("Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, ) { 0x0000000D, }");
        // The CPU manager's controller and devices.
        dsl.ShouldContain("Device (_SB.PRES)");
        dsl.ShouldContain("OperationRegion (PRST, SystemMemory, 0x000000FFFFFEE000, 0x0C)");
        dsl.ShouldContain("Device (_SB.CPUS)");
        dsl.ShouldContain("Method (CSTA, 1, Serialized)");
        dsl.ShouldContain("Method (CTFY, 2, Serialized) { If ((Arg0 == Zero)) { Notify (C000, Arg1) } }");
        dsl.ShouldContain("While ((Local0 < One))");
        dsl.ShouldContain("Device (C000)");
        dsl.ShouldContain("Return (CSTA (Zero))");
        // The memory manager's controller without hotplug.
        dsl.ShouldContain("Device (_SB.MHPC)");
        dsl.ShouldContain("Method (MSCN, 0, Serialized) { }");
    }

    [Test]
    public void Iasl_lists_the_qemu_pc_dsdt_as_it_lists_the_live_qemu_guests()
    {
        var ours = QemuPcAcpi.For(VmmProfiles.Qemu.CreateMemory(512UL << 20)).Find("DSDT").ShouldNotBeNull();
        // The DSDT of a live QEMU 7.2 -M pc guest with 512 MiB (QemuPcAcpiTests reads it again from a live QEMU).
        var live = new AcpiTable(ours.Address, File.ReadAllBytes(Path.Combine(DebianKernel.RepositoryRoot(), "tests", "Emulator", "Vcpu", "Acpi",
            "QemuPcOracle", "dsdt-512M.aml")));
        var dsl = Disassemble(ours);

        dsl.ShouldNotContain("Incorrect checksum");
        // The objects build_dsdt writes: interrupt links, _PRT, the hotplug slots, the CPU and both GPE handlers.
        foreach (var name in (string[])["Device (LNKA)", "Device (LNKS)", "Method (_PRT, 0", "Device (SF8)", "Method (PCNT, 0",
                     "Processor (C000, 0x00, 0x00000000, 0x00)", "Method (\\_GPE._E02, 0", "Method (_E01, 0", "Device (HPET)", "Device (KBD)"])
            dsl.ShouldContain(name);
        // Past the header comment (file name, date), the listing is the live guest's line for line.
        static string Body(string listing) => listing[listing.IndexOf("DefinitionBlock", StringComparison.Ordinal)..];
        Body(dsl).ShouldBe(Body(Disassemble(live)));
    }

    /// <summary>iasl's listing with every run of white space, line breaks included, folded to one space.</summary>
    private static string Normalize(string dsl) => System.Text.RegularExpressions.Regex.Replace(dsl, @"\s+", " ");
}
