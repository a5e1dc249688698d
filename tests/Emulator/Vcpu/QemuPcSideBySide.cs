using System.Collections.Concurrent;
using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Fixtures.Initramfs;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu;

/// <summary>
/// Debian's 6.1 cloud bzImage with the fixture initramfs, booted through the 16-bit entry under the qemu profile and
/// under QEMU 7.2 <c>-M pc</c> with one command line, both to the power-off. Each command line is booted once per test
/// run, so the tests comparing one aspect of the two logs share the two boots.
/// </summary>
internal static class QemuPcSideBySide
{
    private static readonly ConcurrentDictionary<string, Lazy<(BootReport Ours, QemuRun Qemu)>> Boots = new();

    /// <summary>Both boots of <paramref name="commandLine"/>; ours is known to have ended in a power-off.</summary>
    public static (BootReport Ours, QemuRun Qemu) Boot(string commandLine) =>
        Boots.GetOrAdd(commandLine, c => new Lazy<(BootReport, QemuRun)>(() => BootBoth(c))).Value;

    private static (BootReport Ours, QemuRun Qemu) BootBoth(string commandLine)
    {
        QemuOracle.Require(QemuMachine.Pc);
        var kernel = Path.Combine(DebianKernel.Directory(), "vmlinuz");
        var initrd = Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", FixtureInitramfs.Folder, FixtureInitramfs.X86_64);
        var qemu = QemuOracle.Boot(QemuMachine.Pc, kernel, initrd, commandLine, TimeSpan.FromMinutes(3));
        var ours = KernelBoot.Run(File.ReadAllBytes(kernel), new KernelBootOptions
        {
            Profile = VmmProfiles.Qemu,
            Protocol = BootProtocol.Linux16,
            CommandLine = commandLine,
            Initrd = File.ReadAllBytes(initrd),
            MemorySize = 512UL << 20,
            Until = ConsoleMilestones.Shutdown,
            MaxInstructions = 3_000_000_000,
            Engine = EngineTier.Tiered,
        });
        TestContext.Out.WriteLine($"ours: {ours.StopReason} after {ours.Instructions:N0} instructions ({ours.LastConsoleLine}); qemu: {qemu.Stop}");
        // PIIX4's PM1a_CNT took SLP_TYP 0 (_S5_) with SLP_EN: the run ended as a power-off, after the kernel said so.
        ours.StopReason.ShouldBe(StopReason.PowerOff);
        return (ours, qemu);
    }
}
