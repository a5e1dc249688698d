using LoaderHarness.Emulator.Arm64;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Fixtures.Arm64;
using LoaderHarness.Fixtures.Images;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu;

/// <summary>The one vCPU-setup entry point: the profile picks the CPU and its architecture's setup.</summary>
[TestFixture]
public sealed class VcpuSetupTests
{
    [Test]
    public void An_arm64_profile_gets_an_arm64_cpu_with_x0_at_the_dtb()
    {
        var stub = File.ReadAllBytes(Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", Arm64FixtureKernels.Folder, Arm64FixtureKernels.EntryStub));
        var profile = VmmProfiles.CloudHypervisorArm64;
        using var memory = profile.CreateMemory(256UL << 20);
        var guest = GuestSetup.Run(memory, profile.Configure(new GuestSetupRequest { Kernel = KernelImage.Parse(stub) }));

        var cpu = VcpuSetup.Create(memory, guest, profile);

        cpu.Architecture.ShouldBe(GuestArchitecture.Arm64);
        cpu.ShouldBeOfType<Arm64Cpu>()[0].ShouldBe(guest.BootStructureAddress); // booting.rst §4: x0 = DTB
        cpu.Pc.ShouldBe(guest.Entry);
    }

    [Test]
    public void An_x86_profile_gets_an_x86_cpu_in_its_entry_state()
    {
        var profile = VmmProfiles.Firecracker;
        using var memory = profile.CreateMemory(64UL << 20);
        var guest = GuestSetup.Run(memory, profile.Configure(new GuestSetupRequest { Kernel = KernelImage.Parse(ElfWriter.Write(new ElfSpec { PvhEntry = 0x100_0000 })) }));

        var cpu = VcpuSetup.Create(memory, guest, profile);

        cpu.Architecture.ShouldBe(GuestArchitecture.X86_64);
        cpu.ShouldBeOfType<X86Cpu>()[Iced.Intel.Register.RBX].ShouldBe(guest.BootStructureAddress); // PVH: EBX = start_info
    }

    [Test]
    public void A_profile_of_the_other_architecture_is_refused()
    {
        using var memory = VmmProfiles.Firecracker.CreateMemory(64UL << 20);
        var guest = GuestSetup.Run(memory, new GuestSetupRequest { Kernel = KernelImage.Parse(ElfWriter.Write(new ElfSpec { PvhEntry = 0x100_0000 })) });
        Should.Throw<ArgumentException>(() => VcpuSetup.Apply(new X86Cpu(memory), guest, VmmProfiles.FirecrackerArm64));
    }
}
