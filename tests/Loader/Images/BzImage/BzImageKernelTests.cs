using LoaderHarness.Fixtures.Images;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Memory;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Images.BzImage;

/// <summary>bzImage acceptance and placement, on images we generate for each protocol version.</summary>
[TestFixture]
public sealed class BzImageKernelTests
{
    private GuestMemory _memory = null!;

    [SetUp]
    public void SetUp() => _memory = GuestMemory.Flat(0x1000_0000);

    [TearDown]
    public void TearDown() => _memory.Dispose();

    private static byte[] Code(int length)
    {
        var code = new byte[length];
        for (var i = 0; i < code.Length; i++)
            code[i] = (byte)(i * 13 + 1);
        return code;
    }

    [TestCase((ushort)0x0200)]
    [TestCase((ushort)0x0202)]
    [TestCase((ushort)0x0206)]
    [TestCase((ushort)0x020A)]
    [TestCase((ushort)0x020C)]
    [TestCase((ushort)0x020F)]
    public void Every_protocol_version_loads_at_code32_start(ushort version)
    {
        var code = Code(0x1230);
        var image = BzImageWriter.Write(new BzImageSpec { Version = version, ProtectedModeCode = code });
        var result = BzImageKernel.Load(_memory, image);
        // boot.rst: protected-mode code at file offset (setup_sects + 1) * 512, loaded at code32_start.
        result.KernelLoad.ShouldBe(0x10_0000UL);
        result.KernelEnd.ShouldBe(0x10_0000UL + 0x1230);
        result.SetupHeader!.Value.Version.ShouldBe(version);
        _memory.Snapshot(0x10_0000, code.Length).ShouldBe(code);
    }

    [TestCase((ushort)0x0200, 0x37FF_FFFFu, 255u, false)]
    [TestCase((ushort)0x0202, 0x37FF_FFFFu, 255u, false)]
    [TestCase((ushort)0x0206, 0x7FFF_FFFFu, 2047u, true)]
    [TestCase((ushort)0x020F, 0x7FFF_FFFFu, 2047u, true)]
    public void Version_dependent_fields_use_the_protocols_defaults(ushort version, uint initrdMax, uint cmdlineSize, bool relocatable)
    {
        // boot.rst: initrd_addr_max from 2.03 (0x37FFFFFF before), cmdline_size from 2.06 (255 before),
        // relocatable_kernel from 2.05.
        var header = BzImageKernel.Parse(BzImageWriter.Write(new BzImageSpec { Version = version })).Header;
        header.EffectiveInitrdAddrMax.ShouldBe(initrdMax);
        header.EffectiveCmdlineSize.ShouldBe(cmdlineSize);
        header.IsRelocatable.ShouldBe(relocatable);
        header.HeaderEnd.ShouldBe(BzImageWriter.HeaderEnd(version));
    }

    [Test]
    public void Setup_sects_zero_means_four()
    {
        var code = Code(0x100);
        var image = BzImageWriter.Write(new BzImageSpec { SetupSects = 0, ProtectedModeCode = code });
        var kernel = BzImageKernel.Parse(image);
        kernel.ProtectedModeOffset.ShouldBe(5UL * 512); // boot.rst: "If this field is 0, the real value is 4."
        BzImageKernel.Load(_memory, image, 0x20_0000);
        _memory.Snapshot(0x20_0000, code.Length).ShouldBe(code);
    }

    [Test]
    public void Given_address_overrides_code32_start_and_is_written_back()
    {
        // linux-loader bzimage::load: mem_offset = kernel_offset or code32_start; code32_start = mem_offset.
        var result = BzImageKernel.Load(_memory, BzImageWriter.Write(new BzImageSpec()), 0x20_0000);
        result.KernelLoad.ShouldBe(0x20_0000UL);
        result.SetupHeader!.Value.Code32Start.ShouldBe(0x20_0000u);
    }

    [Test]
    public void Trailing_signature_is_not_loaded()
    {
        // Debian's /boot bzImages carry an appended Secure Boot signature: syssize, not EOF, bounds the kernel.
        var code = Code(0x800);
        var image = BzImageWriter.Write(new BzImageSpec { ProtectedModeCode = code, TrailingBytes = 0x5A0 });
        image.AsSpan(image.Length - 0x5A0).Fill(0xEE);
        var result = BzImageKernel.Load(_memory, image);
        result.KernelEnd.ShouldBe(0x10_0800UL);
        _memory.ReadU8(0x10_0800).ShouldBe((byte)0);
    }

    [Test]
    public void Kernel_info_is_found_for_215()
    {
        var image = BzImageWriter.Write(new BzImageSpec { Version = 0x020F, ProtectedModeCode = Code(0x400), KernelInfoOffset = 0x100 });
        var info = BzImageKernel.Parse(image).KernelInfo;
        info.ShouldNotBeNull();
        info.Value.Size.ShouldBe(16u);
        info.Value.SetupTypeMax.ShouldBe(0x8000_000Au);
    }

    [Test]
    public void Payload_range_is_relative_to_protected_mode_code()
    {
        var image = BzImageWriter.Write(new BzImageSpec { Version = 0x0208, ProtectedModeCode = Code(0x400), Payload = (0x80, 0x100) });
        // boot.rst payload_offset: "from the beginning of the protected-mode code".
        BzImageKernel.Parse(image).Payload.ShouldBe((5UL * 512 + 0x80, 0x100UL));
        BzImageKernel.Parse(BzImageWriter.Write(new BzImageSpec { Version = 0x0207 })).Payload.ShouldBeNull();
    }

    private static IEnumerable<TestCaseData> Rejections()
    {
        TestCaseData Case(string name, Func<byte[]> image, LoaderError code, ulong? load = null, ulong? himem = null) =>
            new TestCaseData(image, code, load, himem).SetName(name);
        byte[] Patched(Action<byte[]> patch) { var i = BzImageWriter.Write(new BzImageSpec()); patch(i); return i; }

        // linux-loader bzimage::load rejections, in its order.
        yield return Case("no HdrS", () => Patched(i => i[0x202] = (byte)'X'), LoaderError.InvalidBzImage);
        yield return Case("version 0x01ff", () => Patched(i => BitConverter.GetBytes((ushort)0x01FF).CopyTo(i, 0x206)), LoaderError.InvalidBzImage);
        yield return Case("not LOADED_HIGH (zImage)", () => BzImageWriter.Write(new BzImageSpec { LoadFlags = 0 }), LoaderError.InvalidBzImage);
        yield return Case("setup longer than file", () => Patched(i => i[0x1F1] = 0xC6).AsSpan(0, 0x600).ToArray(), LoaderError.Underflow);
        yield return Case("code32_start below high memory", () => BzImageWriter.Write(new BzImageSpec()), LoaderError.InvalidKernelStartAddress, null, 0x20_0000UL);
        // Ours.
        yield return Case("shorter than HdrS", () => new byte[0x100], LoaderError.TruncatedImage);
        yield return Case("boot_flag not 0xaa55", () => Patched(i => i[0x1FE] = 0), LoaderError.InvalidBootFlag);
        yield return Case("syssize past end of file", () => Patched(i => BitConverter.GetBytes(0x10_0000u).CopyTo(i, 0x1F4)), LoaderError.TruncatedImage);
        yield return Case("kernel past end of RAM", () => BzImageWriter.Write(new BzImageSpec()), LoaderError.GuestAddressOutOfRange, 0x0FFF_FF00UL);
        yield return Case("above 4 GiB without XLF_CAN_BE_LOADED_ABOVE_4G", () => BzImageWriter.Write(new BzImageSpec { XLoadFlags = 1 }), LoaderError.InvalidKernelStartAddress, 0x1_0000_0000UL);
        yield return Case("load address overflows", () => BzImageWriter.Write(new BzImageSpec()), LoaderError.MemoryOverflow, ulong.MaxValue - 0x10);
    }

    [TestCaseSource(nameof(Rejections))]
    public void Malformed_images_are_rejected_and_memory_untouched(Func<byte[]> image, LoaderError expected, ulong? load, ulong? himem)
    {
        _memory.Scribble(0x10_0000, 0x1000);
        var before = _memory.Snapshot(0x10_0000, 0x1000);
        Should.Throw<LoaderException>(() => BzImageKernel.Load(_memory, image(), load, himem)).Code.ShouldBe(expected);
        Should.Throw<LoaderException>(() => BzImageKernel.Load(_memory, new MemoryStream(image()), load, himem)).Code.ShouldBe(expected);
        _memory.Snapshot(0x10_0000, 0x1000).ShouldBe(before);
    }

    [Test]
    public void Test_invalid_bzimage_underflow_rejects_the_fuzzer_image()
    {
        // linux-loader test_invalid_bzimage_underflow: fuzz_invalid_bzimage.bin (559 bytes, setup_sects
        // 0xc6) → Error::Underflow, even though the file ends inside the setup header.
        var image = PeerImages.Read("fuzz_invalid_bzimage.bin");
        Should.Throw<LoaderException>(() => BzImageKernel.Load(_memory, image, 0x20_0000)).Code.ShouldBe(LoaderError.Underflow);
        ImageDetector.Detect(image).ShouldBe(ImageFormat.BzImage);
    }

    [Test]
    public void Stream_load_matches_span_load()
    {
        var code = Code(0x2000);
        var image = BzImageWriter.Write(new BzImageSpec { ProtectedModeCode = code });
        var result = BzImageKernel.Load(_memory, new MemoryStream(image), 0x40_0000);
        result.KernelEnd.ShouldBe(0x40_2000UL);
        _memory.Snapshot(0x40_0000, code.Length).ShouldBe(code);
    }
}
