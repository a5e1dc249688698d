using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Fixtures.Arm64;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu;

/// <summary>One profile type and one catalogue for both architectures.</summary>
[TestFixture]
public sealed class VmmProfilesTests
{
    [Test]
    public void Every_profile_has_exactly_one_architecture_part()
    {
        VmmProfiles.All.Count.ShouldBe(VmmProfiles.X86.Count + VmmProfiles.Arm64.Count);
        VmmProfiles.All.ShouldAllBe(p => (p.X86 == null) != (p.Arm64 == null));
        VmmProfiles.X86.ShouldAllBe(p => !p.IsArm64 && p.RamBase == 0);
        VmmProfiles.Arm64.ShouldAllBe(p => p.IsArm64 && p.RamBase != 0);
    }

    [Test]
    public void A_vmm_with_both_architectures_has_one_profile_for_each_under_one_name()
    {
        VmmProfiles.Named("Firecracker").ShouldBe([VmmProfiles.Firecracker, VmmProfiles.FirecrackerArm64]);
        VmmProfiles.Find("cloud-hypervisor", GuestArchitecture.Arm64).ShouldBeSameAs(VmmProfiles.CloudHypervisorArm64);
        VmmProfiles.Find("spec-el2").ShouldBeNull();
        VmmProfiles.Names.ShouldBe(["spec", "firecracker", "cloud-hypervisor", "crosvm", "qemu", "microvm", "spec-el2"]);
    }

    [Test]
    public void Supports_follows_the_architecture_and_the_entries()
    {
        VmmProfiles.FirecrackerArm64.Supports(BootProtocol.Arm64).ShouldBeTrue();
        VmmProfiles.FirecrackerArm64.Supports(BootProtocol.Pvh).ShouldBeFalse();
        VmmProfiles.Firecracker.Supports(BootProtocol.Arm64).ShouldBeFalse();
        VmmProfiles.Firecracker.Supports(BootProtocol.Linux32).ShouldBeFalse(); // firecracker src/vmm/src/arch/x86_64/mod.rs: PVH or the 64-bit entry, no 32-bit one
        VmmProfiles.CloudHypervisor.Supports(BootProtocol.Linux32).ShouldBeTrue();
        VmmProfiles.Qemu.Supports(BootProtocol.Linux16).ShouldBeTrue();
        VmmProfiles.Spec.Supports(BootProtocol.Auto).ShouldBeFalse();
    }

    [Test]
    public void Configure_gives_an_arm64_profile_its_layout_and_entry()
    {
        var request = VmmProfiles.CloudHypervisorArm64.Configure(new GuestSetupRequest { Kernel = KernelImage.Parse(Arm64Stub()) });
        request.Protocol.ShouldBe(BootProtocol.Arm64);
        request.Fdt.ShouldBe(VmmProfiles.CloudHypervisorArm64.Arm64!.Layout);
    }

    [Test]
    public void The_x86_setup_refuses_an_arm64_profile()
    {
        using var memory = GuestMemory.Flat(64UL << 20);
        var guest = GuestSetup.Run(memory, new GuestSetupRequest { Kernel = KernelImage.Parse(LoaderHarness.Fixtures.Images.ElfWriter.Write(new() { PvhEntry = 0x100_0000 })) });
        Should.Throw<ArgumentException>(() => X86VcpuSetup.Apply(new X86Cpu(memory), guest, VmmProfiles.SpecEl2));
    }

    private static byte[] Arm64Stub() =>
        File.ReadAllBytes(Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", Arm64FixtureKernels.Folder, Arm64FixtureKernels.EntryStub));
}
