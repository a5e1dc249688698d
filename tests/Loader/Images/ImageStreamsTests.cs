using LoaderHarness.Fixtures.Images;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Images.Elf;
using LoaderHarness.Loader.Images.Image;
using LoaderHarness.Loader.Memory;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Images;

/// <summary>
/// Stream loading of every format: a stream that cannot seek is read forward and loads as its bytes do; a seekable
/// stream that fails is linux-loader's Seek* error for what was sought (elf, bzimage and pe Error enums).
/// </summary>
[TestFixture]
public sealed class ImageStreamsTests
{
    private GuestMemory _memory = null!;

    [SetUp]
    public void SetUp() => _memory = GuestMemory.Flat(0x1000_0000);

    [TearDown]
    public void TearDown() => _memory.Dispose();

    [Test]
    public void Forward_only_streams_load_like_their_bytes()
    {
        var elf = PeerImages.Read("test_elf.bin");
        ElfKernel.Load(_memory, new ForwardOnlyStream(elf), 0x20_0000).ShouldBeEquivalentTo(ElfKernel.Load(_memory, elf, 0x20_0000));
        var bz = BzImageWriter.Write(new BzImageSpec());
        BzImageKernel.Load(_memory, new ForwardOnlyStream(bz)).KernelLoad.ShouldBe(BzImageKernel.Load(_memory, bz).KernelLoad);
        var arm = PeerImages.Read("test_arm64_image.bin");
        ImageKernel.Load(_memory, new ForwardOnlyStream(arm), 0x20_0000).KernelEnd.ShouldBe(ImageKernel.Load(_memory, arm, 0x20_0000).KernelEnd);
        _memory.Snapshot(0x28_0000, arm.Length).ShouldBe(arm);
    }

    [Test]
    public void A_stream_that_cannot_find_its_end_is_seek_image_end_or_seek_bzimage_end()
    {
        Should.Throw<LoaderException>(() => BzImageKernel.Load(_memory, new LengthlessStream(BzImageWriter.Write(new BzImageSpec()))))
            .Code.ShouldBe(LoaderError.SeekBzImageEnd);
        Should.Throw<LoaderException>(() => ImageKernel.Load(_memory, new LengthlessStream(PeerImages.Read("test_arm64_image.bin")), 0x20_0000))
            .Code.ShouldBe(LoaderError.SeekImageEnd);
    }

    [Test]
    public void A_failed_seek_to_the_header_is_seek_bzimage_header_or_seek_image_header()
    {
        Should.Throw<LoaderException>(() => BzImageKernel.Load(_memory, new SeekFailingStream(BzImageWriter.Write(new BzImageSpec()), 0)))
            .Code.ShouldBe(LoaderError.SeekBzImageHeader);
        Should.Throw<LoaderException>(() => ImageKernel.Load(_memory, new SeekFailingStream(PeerImages.Read("test_arm64_image.bin"), 0), 0x20_0000))
            .Code.ShouldBe(LoaderError.SeekImageHeader);
    }

    [Test]
    public void A_failed_seek_to_the_protected_mode_code_is_seek_bzimage_compressed_kernel_and_writes_nothing()
    {
        var bz = BzImageWriter.Write(new BzImageSpec());
        var protectedMode = (long)BzImageKernel.Parse(bz).ProtectedModeOffset;
        _memory.Scribble(0x10_0000, 0x400);
        var before = _memory.Snapshot(0x10_0000, 0x400);
        Should.Throw<LoaderException>(() => BzImageKernel.Load(_memory, new SeekFailingStream(bz, protectedMode)))
            .Code.ShouldBe(LoaderError.SeekBzImageCompressedKernel);
        _memory.Snapshot(0x10_0000, 0x400).ShouldBe(before);
    }

    /// <summary>A seekable stream whose length cannot be had (the peer's seek to the end fails).</summary>
    private sealed class LengthlessStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public override long Length => throw new IOException("simulated: no end");
    }
}
