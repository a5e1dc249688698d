using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Loader.Symbols;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu.MultiProcessor;

/// <summary>
/// crosvm's MP table reaches a kernel that reads MP tables (Debian's generic 6.12 has CONFIG_X86_MPPARSE; the cloud
/// kernels do not): it finds the floating pointer at the top of base memory and follows it down to the table.
/// </summary>
[TestFixture]
[Category("RealKernel")]
public sealed class CrosvmMpTableRealKernelTests
{
    [Test]
    public void The_generic_kernel_finds_crosvms_floating_pointer_and_reads_its_table()
    {
        var set = DebianKernelSet.Amd64Generic612;
        var bzImage = File.ReadAllBytes(Path.Combine(set.Directory(), "vmlinuz"));
        var report = KernelBoot.Run(bzImage, new KernelBootOptions
        {
            Profile = VmmProfiles.Crosvm,
            Protocol = BootProtocol.Linux64,
            MemorySize = 1UL << 30,
            Symbols = KallsymsReader.Recover(set.Vmlinux()),
            // crosvm writes ACPI tables too; with them the kernel takes the MADT and reads the MP table only with acpi=off
            // (arch/x86/kernel/setup.c: get_smp_config runs when acpi_boot_init found no MADT).
            CommandLine = "console=ttyS0 nokaslr acpi=off",
            // init/main.c start_kernel ends in rest_init, after setup_arch read the MP table and console_init printed it.
            Until = "rest_init",
        });

        report.Milestone.ShouldBe("rest_init", $"{report.StopReason} at {report.StopLocation}: {report.StopDetail}; last line {report.LastConsoleLine}");
        // mpparse.c smp_scan_config scans 639-640 KiB and finds MP_FLOATING_POINTER_ADDR; smp_read_mpc prints the OEM ID.
        new KernelLog(report.Console).MpTable().ShouldBe((0x9_FFF0UL, 0x9_FFFFUL));
        report.Console.ShouldContain("MPTABLE: OEM ID: CROSVM");
        report.Console.ShouldNotContain("MPTABLE: bad");
        report.Console.ShouldNotContain("BIOS bug, MP table errors detected");
        report.Contracts.Single(c => c.Contract.Id == "x86.log.mp-table").Verdict.ShouldBe(ContractVerdict.Pass);
    }
}
