using LoaderHarness.Emulator.Arm64;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Fixtures.Arm64;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu;

/// <summary>The arm64 entry state per profile (booting.rst §4; Firecracker regs.rs, Cloud Hypervisor arch/src/aarch64).</summary>
[TestFixture]
public class Arm64VcpuSetupTests
{
    private static byte[] Stub => File.ReadAllBytes(Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", Arm64FixtureKernels.Folder, Arm64FixtureKernels.EntryStub));

    private static IEnumerable<TestCaseData> Profiles()
    {
        // Firecracker/Cloud Hypervisor: PSTATE 0x3C5 = EL1h | DAIF; booting.rst's EL2 entry: 0x3C9.
        yield return new TestCaseData(VmmProfiles.FirecrackerArm64, 0x3C5UL, 1, 0x8020_0000UL, 0x8FE0_0000UL).SetName("firecracker");
        yield return new TestCaseData(VmmProfiles.CloudHypervisorArm64, 0x3C5UL, 1, 0x4040_0000UL, 0x4000_0000UL).SetName("cloud_hypervisor");
        yield return new TestCaseData(VmmProfiles.SpecEl2, 0x3C9UL, 2, 0x8020_0000UL, 0x8FE0_0000UL).SetName("spec_el2");
    }

    [TestCaseSource(nameof(Profiles))]
    public void Entry_state(VmmProfile profile, ulong pstate, int el, ulong entry, ulong dtb)
    {
        using var memory = new GuestMemory([new GuestRegion(profile.RamBase, 256UL << 20)]);
        var guest = GuestSetup.Run(memory, new GuestSetupRequest { Kernel = KernelImage.Parse(Stub), Fdt = profile.RequireArm64().Layout, Protocol = BootProtocol.Arm64 });
        var cpu = new Arm64Cpu(memory);
        cpu[5] = 0x55;
        Arm64VcpuSetup.Apply(cpu, guest, profile);

        cpu.Pstate.ShouldBe(pstate);
        cpu.ExceptionLevel.ShouldBe(el);
        cpu.GuestOwnsEl2.ShouldBe(el == 2);
        cpu.Pc.ShouldBe(entry);
        cpu[0].ShouldBe(dtb);
        guest.BootStructureAddress.ShouldBe(dtb);
        Enumerable.Range(1, 30).Select(i => cpu[i]).ShouldAllBe(v => v == 0);
        (cpu.ReadSystemRegister("SCTLR_EL1") & 0b101).ShouldBe(0UL);
        (cpu.ReadSystemRegister("SCTLR_EL2") & 0b101).ShouldBe(0UL);
        cpu.MmuEnabled.ShouldBeFalse();
        cpu.ReadSystemRegister("CNTFRQ_EL0").ShouldBe(Arm64VcpuSetup.DefaultCounterFrequency);
    }

    [Test]
    public void Rejects_an_x86_guest()
    {
        using var memory = GuestMemory.Flat(64UL << 20);
        var bzImage = File.ReadAllBytes(Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", "bzImage-2.15"));
        var guest = GuestSetup.Run(memory, new GuestSetupRequest { Kernel = KernelImage.Parse(bzImage) });
        Should.Throw<ArgumentException>(() => Arm64VcpuSetup.Apply(new Arm64Cpu(memory), guest));
    }
}
