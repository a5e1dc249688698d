using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Images.BzImage;

/// <summary>
/// linux-loader v0.14 <c>test_load_bzImage</c> (src/loader/bzimage/mod.rs), on Debian's real bzImage in place of
/// the one the peer downloads (.buildkite/download_resources.sh): same guest (16 MiB at 0), same calls.
/// </summary>
[TestFixture]
[Category("RealKernel")]
public sealed class BzImagePeerRealKernelTests
{
    [Test]
    public void Test_load_bzimage_at_an_offset_at_code32_start_and_below_high_memory()
    {
        using var memory = GuestMemory.Flat(0x1000_0000);
        var image = DebianKernel.BzImage();

        // kernel_offset 0x200000, himem 0: kernel_load 0x200000; header "HdrS", protocol 2.15, LOADED_HIGH.
        var result = BzImageKernel.Load(memory, new MemoryStream(image), 0x20_0000, 0);
        result.KernelLoad.ShouldBe(0x20_0000UL);
        var header = result.SetupHeader!.Value;
        header.Header.ShouldBe(0x5372_6448u);
        header.Version.ShouldBe((ushort)0x020F);
        (header.LoadFlags & SetupHeader.LoadedHigh).ShouldBe(SetupHeader.LoadedHigh);
        // kernel_end = kernel_offset + the protected-mode code's size (the peer's 0x8b5e40 is its own image's).
        result.KernelEnd.ShouldBe(0x20_0000UL + BzImageKernel.Parse(image).ProtectedModeSize);

        // Without kernel_offset: code32_start (0x100000), with and without himem.
        BzImageKernel.Load(memory, new MemoryStream(image), null, 0).KernelLoad.ShouldBe(0x10_0000UL);
        BzImageKernel.Load(memory, new MemoryStream(image)).KernelLoad.ShouldBe(0x10_0000UL);

        // kernel_offset 0x1000 below himem 0x200000: InvalidKernelStartAddress.
        Should.Throw<LoaderException>(() => BzImageKernel.Load(memory, new MemoryStream(image), 0x1000, 0x20_0000))
            .Code.ShouldBe(LoaderError.InvalidKernelStartAddress);
    }
}
