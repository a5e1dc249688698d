using LoaderHarness.Emulator.Conformance;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Fixtures.Arm64;
using LoaderHarness.Fixtures.Stubs;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Conformance;

/// <summary>One matrix for both architectures, each case's facts read once, and mutants that apply by those facts alone.</summary>
[TestFixture]
public sealed class ConformanceMatrixTests
{
    private static readonly byte[] Stub = File.ReadAllBytes(Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", Arm64FixtureKernels.Folder, Arm64FixtureKernels.EntryStub));

    private static IReadOnlyList<(string Name, byte[] Image)> Kernels() => [("arm64-stub", Stub), .. FixtureKernels.All()];

    [Test]
    public void Every_kernel_of_either_architecture_meets_the_profiles_of_its_own()
    {
        var cases = ConformanceMatrix.Build(Kernels(), VmmProfiles.All);

        cases.Count.ShouldBe(54); // 50 x86 fixture cases (microvm offers the entries qemu does: 6 more) + the arm64 stub under 4 arm64 profiles
        cases.ShouldAllBe(c => c.Profile.Architecture == c.Facts.Architecture);
        cases.Where(c => c.Architecture == GuestArchitecture.Arm64).Select(c => c.Profile.Name).ShouldBe(["firecracker", "cloud-hypervisor", "spec-el2", "qemu"]);
        cases.Where(c => c.Architecture == GuestArchitecture.Arm64).ShouldAllBe(c => c.Protocol == BootProtocol.Arm64 && c.CommandLine.StartsWith("console=ttyAMA0"));
        cases.TakeWhile(c => c.Architecture == GuestArchitecture.X86_64).Count().ShouldBe(50); // x86 first, the catalogues' order
    }

    [Test]
    public void Real_mode_is_left_out_of_auto_when_asked()
    {
        ConformanceMatrix.Build(FixtureKernels.All(), VmmProfiles.X86, realMode: false).ShouldNotContain(c => c.Protocol == BootProtocol.Linux16);
        ConformanceMatrix.Build(FixtureKernels.All(), VmmProfiles.X86, BootProtocol.Linux16, realMode: false).ShouldNotBeEmpty();
    }

    [Test]
    public void Facts_come_from_the_image_headers()
    {
        var cases = ConformanceMatrix.Build(Kernels(), VmmProfiles.All);
        // boot.rst: the setup header's version field; a vmlinux gets the loader's synthesized 2.12 header.
        cases.First(c => c.Kernel == "bzImage-2.02").Facts.ProtocolVersion.ShouldBe((ushort)0x0202);
        cases.First(c => c.Kernel == "vmlinux-pvh.elf").Facts.ProtocolVersion.ShouldBe((ushort)0x020C);
        // booting.rst §3: image_size at offset 16 of the Image header (the stub claims 64 KiB of BSS room).
        var arm64 = cases.First(c => c.Kernel == "arm64-stub").Facts;
        (arm64.Format, arm64.ImageFileSize, arm64.ImageSize).ShouldBe((ImageFormat.Arm64Image, (ulong)Stub.Length, 0x1_0000UL));
        arm64.Mode.ShouldBeNull();
    }

    [Test]
    public void Mutants_apply_by_the_case_facts_and_their_architecture()
    {
        var cases = ConformanceMatrix.Build(Kernels(), [VmmProfiles.Spec, VmmProfiles.FirecrackerArm64]);
        Mutant Named(string id) => Mutants.All.Single(m => m.Id == id);
        ConformanceCase Case(string kernel, BootProtocol protocol) => cases.Single(c => c.Kernel == kernel && c.Protocol == protocol);

        // kernel_alignment exists from 2.05 (boot.rst).
        ConformanceRunner.Applies(Case("bzImage-2.02", BootProtocol.Linux32), Named("zp.kernel-alignment-0")).ShouldBeFalse();
        ConformanceRunner.Applies(Case("bzImage-2.06", BootProtocol.Linux32), Named("zp.kernel-alignment-0")).ShouldBeTrue();
        ConformanceRunner.Applies(Case("vmlinux-pvh.elf", BootProtocol.Pvh), Named("pvh.bad-magic")).ShouldBeTrue();
        ConformanceRunner.Applies(Case("vmlinux-pvh.elf", BootProtocol.Linux64), Named("pvh.bad-magic")).ShouldBeFalse();
        // Never across architectures.
        cases.Where(c => c.Architecture == GuestArchitecture.X86_64).ShouldAllBe(c => Mutants.Arm64.All(m => !ConformanceRunner.Applies(c, m)));
        var stub = Case("arm64-stub", BootProtocol.Arm64);
        Mutants.X86.Where(m => ConformanceRunner.Applies(stub, m)).ShouldBeEmpty();
        Mutants.Arm64.Where(m => !ConformanceRunner.Applies(stub, m)).ShouldBeEmpty();
    }

    [Test]
    public void The_suite_injects_only_the_faults_of_architectures_with_cases()
    {
        var cases = ConformanceMatrix.Build([("arm64-stub", Stub)], VmmProfiles.All);
        ConformanceSuite.CountRuns(cases, Mutants.All).ShouldBe(4 + 4 * Mutants.Arm64.Count);

        var result = ConformanceSuite.Run(cases, Mutants.All);

        result.Cases.Count.ShouldBe(4);
        result.Mutants.Select(m => m.Mutant).ShouldBe(Mutants.Arm64);
        result.Mutants.ShouldAllBe(m => m.Caught && m.Runs.Count == 4);
        result.Success.ShouldBeTrue();
    }
}
