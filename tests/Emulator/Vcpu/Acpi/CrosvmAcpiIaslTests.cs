using System.Diagnostics;
using LoaderHarness.Emulator.Vcpu.Acpi;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu.Acpi;

/// <summary>
/// crosvm's tables through ACPICA's disassembler (<c>iasl -d</c>, Debian acpica-tools), which checks each checksum and
/// prints every field and AML term as the kernel's ACPICA reads them. Missing iasl fails under CI=true, else ignores.
/// </summary>
[TestFixture]
public sealed class CrosvmAcpiIaslTests
{
    private static string Disassemble(string signature)
    {
        var table = CrosvmAcpi.Build().Find(signature).ShouldNotBeNull();
        var iasl = Prerequisite.RequireTool("iasl", "acpica-tools");
        var dir = Directory.CreateTempSubdirectory("acpi-");
        try
        {
            var aml = Path.Combine(dir.FullName, signature + ".dat");
            File.WriteAllBytes(aml, table.Bytes);
            var start = new ProcessStartInfo(iasl) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir.FullName };
            start.ArgumentList.Add("-d");
            start.ArgumentList.Add(aml);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.WaitForExit(TimeSpan.FromSeconds(30)).ShouldBeTrue("iasl -d did not finish in 30 s");
            process.ExitCode.ShouldBe(0, stdout.Result + stderr.Result);
            (stdout.Result + stderr.Result).ShouldNotContain("Error", Case.Sensitive);
            return File.ReadAllText(Path.ChangeExtension(aml, ".dsl"));
        }
        finally
        {
            dir.Delete(true);
        }
    }

    private static string Normalize(string dsl) => System.Text.RegularExpressions.Regex.Replace(dsl, @"\s+", " ");

    [TestCase("FACS")]
    [TestCase("FACP")]
    [TestCase("APIC")]
    [TestCase("MCFG")]
    [TestCase("XSDT")]
    [TestCase("DSDT")]
    public void Iasl_reads_crosvms_table_without_a_checksum_error(string signature) =>
        Disassemble(signature).ShouldNotContain("Incorrect checksum");

    [Test]
    public void Iasl_reads_the_fadt_with_the_pm_blocks_sci_and_reset_register()
    {
        var dsl = Normalize(Disassemble("FACP"));
        dsl.ShouldContain("SCI Interrupt : 0005");
        dsl.ShouldContain("PM1A Event Block Address : 0000C000");
        dsl.ShouldContain("PM1A Control Block Address : 0000C004");
        dsl.ShouldContain("GPE0 Block Address : 0000C008");
        dsl.ShouldContain("GPE0 Block Length : 40");
        dsl.ShouldContain("Reset Register Supported (V2) : 1");
        dsl.ShouldContain("Hardware Reduced (V5) : 0");
        dsl.ShouldContain("Address : 0000000000000CF9");
        dsl.ShouldContain("Value to cause reset : 06");
        // "CROSVM\0\0" read as a little-endian 64-bit number.
        dsl.ShouldContain("Hypervisor ID : 00004D56534F5243");
    }

    [Test]
    public void Iasl_decompiles_the_dsdt_to_crosvms_objects()
    {
        var dsl = Normalize(Disassemble("DSDT"));
        dsl.ShouldContain("Name (VCFG, 0x0000000100000000)");
        dsl.ShouldContain("Name (_S1, Package (0x04) // _S1_: S1 System State { One, One, Zero, Zero })");
        dsl.ShouldContain("Name (_S5, Package (0x04) // _S5_: S5 System State { Zero, Zero, Zero, Zero })");
        dsl.ShouldContain("Device (_SB.PC00)");
        dsl.ShouldContain("Name (_HID, EisaId (\"PNP0A08\")");
        dsl.ShouldContain("WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode, 0x0000, // Granularity 0x0000, // Range Minimum 0x003F, // Range Maximum");
        dsl.ShouldContain("IO (Decode16, 0x0CF8, // Range Minimum 0x0CF8, // Range Maximum 0x01, // Alignment 0x08, // Length )");
        dsl.ShouldContain("DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite, 0x00000000, // Granularity 0xD0000000, // Range Minimum 0xF7FFFFFF, // Range Maximum");
        dsl.ShouldContain("QWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite, 0x0000000000000000, // Granularity 0x0000000108000000, // Range Minimum 0x000000FFFFFFFFFF, // Range Maximum");
        dsl.ShouldContain("Method (_OSC, 4, NotSerialized)");
        dsl.ShouldContain("CreateDWordField (Arg3, Zero, CDW1)");
        dsl.ShouldContain("If ((Arg0 == ToUUID (\"33db4d5b-1ff7-401c-9657-7441c03dd766\")");
        dsl.ShouldContain("CreateDWordField (Arg3, 0x08, CDW3) If ((Zero == (CDW1 & One))) { CDW3 &= 0xFFFFFFF5");
        dsl.ShouldContain("Else { CDW1 |= 0x04");
        dsl.ShouldContain("Return (Arg3)");
        dsl.ShouldContain("Name (_PRT, Package (0x00) {})");
        dsl.ShouldContain("Device (_SB.MB00)");
        dsl.ShouldContain("Memory32Fixed (ReadWrite, 0xF4000000, // Address Base 0x04000000, // Address Length )");
    }
}
