using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Fixtures.Arm64;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Contracts;

/// <summary>
/// The arm64 kernel-log contracts on a guest set up as Firecracker does (1 GiB at 0x8000_0000, a 2 KiB initrd below
/// the DTB, earlycon on the command line), judged on console text. The passing log is what Debian's 6.1 cloud arm64
/// Image printed for exactly this setup in our engine.
/// </summary>
[TestFixture]
public sealed class Arm64KernelLogContractsTests
{
    private const string CommandLine = "console=ttyAMA0 earlycon=pl011,0x09000000 panic=-1";

    private static readonly byte[] Stub = File.ReadAllBytes(Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", Arm64FixtureKernels.Folder, Arm64FixtureKernels.EntryStub));

    private static readonly string[] RealLog =
    [
        "[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x411fd070]",
        "[    0.000000] Linux version 6.1.0-57-cloud-arm64 (debian-kernel@lists.debian.org) #1 SMP Debian 6.1.192-3",
        "[    0.000000] Machine model: linux,dummy-virt",
        "[    0.000000] earlycon: pl11 at MMIO 0x0000000009000000 (options '')",
        "[    0.000000] printk: bootconsole [pl11] enabled",
        "[    0.000000] Zone ranges:",
        "[    0.000000]   DMA      [mem 0x0000000080000000-0x00000000bfffffff]",
        "[    0.000000] Early memory node ranges",
        "[    0.000000]   node   0: [mem 0x0000000080000000-0x00000000bfffffff]",
        "[    0.000000] Initmem setup node 0 [mem 0x0000000080000000-0x00000000bfffffff]",
        $"[    0.000000] Kernel command line: {CommandLine}",
        "[    1.366852] Trying to unpack rootfs image as initramfs...",
        "[   13.041606] Run /init as init process",
        $"LOADERHARNESS-INIT v=1 arch=arm64 pid=1 proc=0 memtotal_kb=1005720 ram_ranges=1 cmdline=\"{CommandLine}\"",
        "[   13.051194] reboot: Power down",
    ];

    private GuestMemory _memory = null!;
    private BootCase _boot = null!;

    [SetUp]
    public void Create_the_guest()
    {
        var profile = VmmProfiles.FirecrackerArm64;
        _memory = profile.CreateMemory(1UL << 30);
        var guest = GuestSetup.Run(_memory, profile.Configure(new GuestSetupRequest
        {
            Kernel = KernelImage.Parse(Stub),
            CommandLine = CommandLine,
            Initrd = new byte[0x800],
        }));
        _boot = new BootCase(VcpuSetup.Create(_memory, guest, profile), guest, profile) { Run = new RunResult(StopReason.PowerOff, 0, 1, null) };
    }

    [TearDown]
    public void Dispose_the_guest() => _memory.Dispose();

    private Dictionary<string, (ContractVerdict Verdict, string Detail)> Judge(IEnumerable<string> log)
    {
        _boot.Console = string.Join('\n', log) + "\n";
        return KernelLogContracts.Arm64.Concat(InitReportContracts.Arm64).ToDictionary(c => c.Id, c => c.Evaluate(_boot) is var r ? (r.Verdict, r.Detail) : default);
    }

    [Test]
    public void The_kernels_own_log_of_this_setup_passes_every_contract()
    {
        var verdicts = Judge(RealLog);
        verdicts.Where(v => v.Value.Verdict != ContractVerdict.Pass).Select(v => $"{v.Key}: {v.Value.Detail}").ShouldBeEmpty();
        // A 2 KiB initrd at a page boundary spans no whole page: free_reserved_area frees nothing and prints nothing.
        verdicts["arm64.log.initrd"].Detail.ShouldEndWith("freed 0K");
        verdicts["arm64.log.memory"].Detail.ShouldBe("[mem 0x0000000080000000-0x00000000bfffffff]");
    }

    [Test]
    public void Memory_node_ranges_other_than_the_dtbs_fail() =>
        Judge(RealLog.Select(l => l.Replace("node   0: [mem 0x0000000080000000-0x00000000bfffffff]", "node   0: [mem 0x0000000080000000-0x000000009fffffff]")))
            ["arm64.log.memory"].Verdict.ShouldBe(ContractVerdict.Fail);

    [Test]
    public void An_earlycon_at_another_address_or_none_at_all_fails()
    {
        Judge(RealLog.Select(l => l.Replace("MMIO 0x0000000009000000", "MMIO 0x0000000009001000")))["arm64.log.earlycon"].Verdict.ShouldBe(ContractVerdict.Fail);
        Judge(RealLog.Where(l => !l.Contains("earlycon: ")))["arm64.log.earlycon"].Verdict.ShouldBe(ContractVerdict.Fail);
    }

    [Test]
    public void A_failed_unpack_or_a_freed_size_that_is_not_the_initrds_whole_pages_fails()
    {
        Judge([.. RealLog, "[    1.400000] Initramfs unpacking failed: junk in compressed archive"])["arm64.log.initrd"].Verdict.ShouldBe(ContractVerdict.Fail);
        Judge(RealLog.Select(l => l.Replace("Run /init", "Freeing initrd memory: 4K\n[   13.041606] Run /init")))["arm64.log.initrd"].Verdict.ShouldBe(ContractVerdict.Fail);
    }

    [Test]
    public void A_log_that_has_not_got_there_yet_is_not_judged()
    {
        var verdicts = Judge(RealLog.Take(4));
        verdicts["arm64.log.memory"].Verdict.ShouldBe(ContractVerdict.NotApplicable);
        verdicts["arm64.log.initrd"].Verdict.ShouldBe(ContractVerdict.NotApplicable);
        verdicts["arm64.log.init-report"].Verdict.ShouldBe(ContractVerdict.NotApplicable);
        verdicts["arm64.log.earlycon"].Verdict.ShouldBe(ContractVerdict.Pass);
    }

    [TestCase("cmdline=\"console=ttyAMA0", "cmdline=\"console=ttyS0")]
    [TestCase("ram_ranges=1", "ram_ranges=2")]
    [TestCase("memtotal_kb=1005720", "memtotal_kb=2097152")]
    [TestCase("pid=1 ", "pid=7 ")]
    [TestCase("proc=0", "proc=-2")]
    public void An_init_report_that_disagrees_with_the_setup_fails(string from, string to) =>
        Judge(RealLog.Select(l => l.Replace(from, to)))["arm64.log.init-report"].Verdict.ShouldBe(ContractVerdict.Fail);
}
