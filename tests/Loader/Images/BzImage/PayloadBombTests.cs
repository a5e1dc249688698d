using System.Buffers.Binary;
using System.Diagnostics;
using LoaderHarness.Fixtures.Images;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images.BzImage;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Images.BzImage;

/// <summary>
/// Decompression bombs: the 4-byte size trailer is input, so it may not set how long the loader runs or how
/// much it allocates. Every codec is checked with a tiny real stream whose trailer lies.
/// </summary>
[TestFixture]
public sealed class PayloadBombTests
{
    private static readonly byte[] Small = [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7))];

    public static KbuildCompressor[] Compressors => PayloadCodecTests.Compressors;

    private static byte[] WithTrailer(byte[] payload, uint claimed)
    {
        var bomb = payload.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bomb.AsSpan(^4), claimed);
        return bomb;
    }

    /// <summary>Runs <paramref name="action"/>, which must fail with PayloadDecompression fast and without allocating the claim.</summary>
    private static void ShouldRefuseCheaply(Action action, long maxAllocated = 16 << 20)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        Should.Throw<LoaderException>(action).Code.ShouldBe(LoaderError.PayloadDecompression);
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(2));
        (GC.GetAllocatedBytesForCurrentThread() - before).ShouldBeLessThan(maxAllocated);
    }

    [TestCaseSource(nameof(Compressors))]
    public void Trailer_claiming_two_gibibytes_is_refused_before_allocating(KbuildCompressor compressor)
    {
        var bomb = WithTrailer(compressor.Compress(Small), 0x7FFF_0000); // just under Array.MaxLength: the old check let it through
        ShouldRefuseCheaply(() => PayloadCodec.Decompress(bomb));
    }

    [TestCaseSource(nameof(Compressors))]
    public void Trailer_past_init_size_is_refused_before_allocating(KbuildCompressor compressor)
    {
        // 256 MiB is under the codec's cap, but the bzImage's own init_size says the kernel needs 1 MiB.
        var payload = WithTrailer(compressor.Compress(Small), 256u << 20);
        var code = new byte[0x200 + payload.Length];
        payload.CopyTo(code, 0x200);
        var image = BzImageWriter.Write(new BzImageSpec
        {
            ProtectedModeCode = code, Payload = (0x200, (uint)payload.Length), InitSize = 1 << 20,
        });
        ShouldRefuseCheaply(() => VmlinuxExtractor.Extract(image));
    }

    [TestCaseSource(nameof(Compressors))]
    public void Output_longer_than_the_claim_stops_at_the_claim(KbuildCompressor compressor)
    {
        var big = new byte[8 << 20];
        var bomb = WithTrailer(compressor.Compress(big), 4096);
        ShouldRefuseCheaply(() => PayloadCodec.Decompress(bomb), maxAllocated: 48 << 20);
    }

    [Test]
    public void Lzma_with_an_unknown_size_and_a_huge_dictionary_does_not_allocate_the_trailers_claim()
    {
        // The reported bomb: 20 bytes of lzma "alone" (props 5D, 2 GiB dictionary, unknown size) claiming 2 GiB
        // made extract-vmlinux and boot run 10 s and take 2.2 GB.
        byte[] bomb = [0x5D, 0x00, 0x00, 0x00, 0x80, .. Enumerable.Repeat((byte)0xFF, 8), 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0x7F];
        bomb.Length.ShouldBe(21);
        ShouldRefuseCheaply(() => PayloadCodec.Decompress(bomb));
    }
}
