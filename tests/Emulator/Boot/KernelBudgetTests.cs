using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Boot;

/// <summary>The default budget sized to the kernel: the decompressor's share by codec and init_size, the kernel's own from its entry.</summary>
[TestFixture]
public sealed class KernelBudgetTests
{
    [Test]
    public void Slower_codecs_get_more_instructions_per_byte()
    {
        KernelBudget.PerByte(PayloadCompression.Lz4).ShouldBeLessThan(KernelBudget.PerByte(PayloadCompression.Zstd));
        KernelBudget.PerByte(PayloadCompression.Zstd).ShouldBeLessThan(KernelBudget.PerByte(PayloadCompression.Xz));
        KernelBudget.PerByte(PayloadCompression.Xz).ShouldBeLessThanOrEqualTo(KernelBudget.PerByte(PayloadCompression.Bzip2));
    }

    [Test]
    public void A_stopped_run_is_told_twice_its_budget_in_round_hundreds_of_millions()
    {
        KernelBoot.SuggestBudget(300_000_000).ShouldBe(600_000_000UL);
        KernelBoot.SuggestBudget(2_000_000_001).ShouldBe(4_100_000_000UL);
        KernelBoot.SuggestBudget(ulong.MaxValue).ShouldBe(ulong.MaxValue);
    }

    private static IEnumerable<TestCaseData> AmdBzImages() =>
        new[] { DebianKernelSet.Amd64Cloud61, DebianKernelSet.Amd64Cloud612, DebianKernelSet.Amd64Generic612 }.Select(k => new TestCaseData(k).SetArgDisplayNames(k.Folder));

    [TestCaseSource(nameof(AmdBzImages))]
    [Category("RealKernel")]
    public void Covers_each_debian_decompressor_twice_over(DebianKernelSet kernel)
    {
        var image = File.ReadAllBytes(Path.Combine(kernel.Directory(), "vmlinuz"));
        using var memory = VmmProfiles.Firecracker.CreateMemory(1UL << 30);
        var setup = GuestSetup.Run(memory, VmmProfiles.Firecracker.Configure(new GuestSetupRequest { Kernel = KernelImage.Parse(image), CommandLine = "" }));

        // Measured to start_kernel (KernelBudget's remarks): lz4 6.1 cloud 93 M, zstd 6.12 804 M instructions.
        var measured = kernel.Series == "6.1" ? 93_000_000UL : 804_000_000UL;
        KernelBudget.DecompressorAllowance(memory, setup).ShouldBeGreaterThanOrEqualTo(2 * measured);
        KernelBudget.For(memory, setup).ShouldBe(KernelBudget.KernelAllowance + KernelBudget.DecompressorAllowance(memory, setup));
    }

    [Test]
    [Category("RealKernel")]
    public void A_vmlinux_has_no_decompressor_share()
    {
        using var memory = VmmProfiles.Firecracker.CreateMemory(1UL << 30);
        var setup = GuestSetup.Run(memory, VmmProfiles.Firecracker.Configure(new GuestSetupRequest { Kernel = KernelImage.Parse(DebianBoot.Vmlinux), CommandLine = "" }));

        KernelBudget.For(memory, setup).ShouldBe(KernelBudget.KernelAllowance);
    }
}
