using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images.Image;
using LoaderHarness.Loader.Memory;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Images.Image;

/// <summary>
/// <see cref="ImageKernel.LoadDtb(GuestMemory, ulong, ReadOnlySpan{byte})"/>: linux-loader v0.14 <c>pe::load_dtb</c> for a
/// caller's own DTB (DtbTooBig past 2 MiB, ReadDtbImage when it cannot be written, Seek* for stream failures).
/// </summary>
[TestFixture]
public sealed class ImageKernelDtbTests
{
    private GuestMemory _memory = null!;

    [SetUp]
    public void SetUp() => _memory = GuestMemory.Flat(0x100_0000);

    [TearDown]
    public void TearDown() => _memory.Dispose();

    private static byte[] Dtb(int size)
    {
        var dtb = new byte[size];
        for (var i = 0; i < size; i++)
            dtb[i] = (byte)(i * 13 + 1);
        return dtb;
    }

    [Test]
    public void A_callers_dtb_is_written_as_given_from_bytes_and_streams()
    {
        var dtb = Dtb(0x1000);
        ImageKernel.LoadDtb(_memory, 0x10_0000, dtb);
        _memory.Snapshot(0x10_0000, dtb.Length).ShouldBe(dtb);
        ImageKernel.LoadDtb(_memory, 0x20_0000, new MemoryStream(dtb));
        _memory.Snapshot(0x20_0000, dtb.Length).ShouldBe(dtb);
        ImageKernel.LoadDtb(_memory, 0x30_0000, new ForwardOnlyStream(dtb));
        _memory.Snapshot(0x30_0000, dtb.Length).ShouldBe(dtb);
    }

    [Test]
    public void Exactly_two_mebibytes_fit_and_one_byte_more_is_dtb_too_big()
    {
        // linux-loader load_dtb: `if dtb_size > 0x200000 { DtbTooBig }`.
        ImageKernel.LoadDtb(_memory, 0x40_0000, new byte[0x20_0000]);
        var big = new byte[0x20_0001];
        Should.Throw<LoaderException>(() => ImageKernel.LoadDtb(_memory, 0x40_0000, big)).Code.ShouldBe(LoaderError.DtbTooBig);
        Should.Throw<LoaderException>(() => ImageKernel.LoadDtb(_memory, 0x40_0000, new MemoryStream(big))).Code.ShouldBe(LoaderError.DtbTooBig);
        Should.Throw<LoaderException>(() => ImageKernel.LoadDtb(_memory, 0x40_0000, new ForwardOnlyStream(big))).Code.ShouldBe(LoaderError.DtbTooBig);
    }

    [Test]
    public void A_dtb_that_does_not_land_in_ram_is_read_dtb_image_and_writes_nothing()
    {
        _memory.Scribble(0xFF_F000, 0x1000);
        var before = _memory.Snapshot(0xFF_F000, 0x1000);
        Should.Throw<LoaderException>(() => ImageKernel.LoadDtb(_memory, 0xFF_F800, Dtb(0x1000))).Code.ShouldBe(LoaderError.ReadDtbImage);
        _memory.Snapshot(0xFF_F000, 0x1000).ShouldBe(before);
    }

    [Test]
    public void A_failed_seek_to_the_start_is_seek_dtb_start()
    {
        using var stream = new SeekFailingStream(Dtb(0x100), 0);
        Should.Throw<LoaderException>(() => ImageKernel.LoadDtb(_memory, 0x10_0000, stream)).Code.ShouldBe(LoaderError.SeekDtbStart);
    }

    [Test]
    public void A_failed_read_is_read_dtb_image()
    {
        using var stream = new FailingStream(Dtb(0x100), failAt: 0x80);
        Should.Throw<LoaderException>(() => ImageKernel.LoadDtb(_memory, 0x10_0000, stream)).Code.ShouldBe(LoaderError.ReadDtbImage);
    }
}
