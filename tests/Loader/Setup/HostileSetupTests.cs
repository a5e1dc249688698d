using LoaderHarness.Fixtures.Images;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Setup;

/// <summary>Hostile bzImage headers against the one-call setup: a clean LoaderException, guest memory untouched.</summary>
[TestFixture]
public sealed class HostileSetupTests
{
    private static void ShouldRefuseWithoutWriting(GuestMemory memory, GuestSetupRequest request, LoaderError expected)
    {
        Should.Throw<LoaderException>(() => GuestSetup.Run(memory, request)).Code.ShouldBe(expected);
        foreach (var region in memory.Regions)
            for (ulong at = 0; at < region.Size; at += 1 << 20)
                memory.GetSpan(region.Start + at, (int)Math.Min(1UL << 20, region.Size - at)).ContainsAnyExcept((byte)0).ShouldBeFalse();
    }

    [TestCase(0x6B)]
    [TestCase(0x7F)]
    [TestCase(0xFF)]
    public void Real_mode_entry_refuses_a_jump_past_the_header_end(int jumpOffset)
    {
        var image = BzImageWriter.Write(new BzImageSpec());
        image[0x201] = (byte)jumpOffset;
        using var memory = GuestMemory.WithMmioGap(64 << 20);
        ShouldRefuseWithoutWriting(memory, new GuestSetupRequest { Kernel = KernelImage.Parse(image), Protocol = BootProtocol.Linux16 },
            LoaderError.BootStructureSetup);
    }

    [Test]
    public void Init_size_past_the_end_of_ram_is_refused()
    {
        // 20 MiB of RAM; the kernel loads at 16 MiB and says it needs 32 MiB from there.
        var image = BzImageWriter.Write(new BzImageSpec { InitSize = 32 << 20 });
        using var memory = GuestMemory.WithMmioGap(20 << 20);
        ShouldRefuseWithoutWriting(memory, new GuestSetupRequest { Kernel = KernelImage.Parse(image) }, LoaderError.GuestAddressOutOfRange);
    }
}
