using System.Text;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.Uki;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Images.Uki;

/// <summary>
/// Unified kernel images (UAPI "Unified Kernel Image" specification) built by tests/Support's UkiBuilder around
/// linux-loader's small test kernels: the parts found, the kernel unwrapped, and every malformed wrapper refused
/// with its code.
/// </summary>
[TestFixture]
public sealed class UkiImageTests
{
    private static readonly byte[] Elf = PeerImages.Read("test_elfnote.bin");
    private static readonly byte[] Initrd = Enumerable.Range(0, 3000).Select(i => (byte)(i * 13)).ToArray();

    [Test]
    public void Detection_says_uki_and_the_inner_format_is_the_linux_sections()
    {
        var uki = UkiBuilder.Build(Elf, Initrd, "console=ttyS0");

        ImageDetector.Detect(uki).ShouldBe(ImageFormat.Uki);
        ImageDetector.DetectInner(uki).ShouldBe(ImageFormat.Elf);
        UkiImage.IsUki(uki).ShouldBeTrue();
    }

    [Test]
    public void Every_part_is_found_and_the_kernel_unwrapped()
    {
        var uki = UkiBuilder.Build(Elf, Initrd, "console=ttyS0 quiet", osrel: "ID=debian\nPRETTY_NAME=\"Debian\"\n", uname: "6.1.0-test\n", dtb: [0xD0, 0x0D, 0xFE, 0xED]);

        var parts = UkiImage.Parse(uki);
        parts.Linux.ToArray().ShouldBe(Elf);
        parts.Initrd!.Value.ToArray().ShouldBe(Initrd);
        parts.CommandLine.ShouldBe("console=ttyS0 quiet");
        parts.OsRelease.ShouldBe("ID=debian\nPRETTY_NAME=\"Debian\"\n");
        parts.Uname.ShouldBe("6.1.0-test");
        parts.Dtb!.Value.ToArray().ShouldBe(new byte[] { 0xD0, 0x0D, 0xFE, 0xED });

        var kernel = KernelImage.Parse(uki);
        kernel.FileFormat.ShouldBe(ImageFormat.Uki);
        kernel.Format.ShouldBe(ImageFormat.Elf);
        kernel.Bytes.ToArray().ShouldBe(Elf);
        kernel.Elf.ShouldNotBeNull();
        kernel.Entries.ShouldBe(KernelImage.Parse(Elf).Entries);
        kernel.EmbeddedInitrd!.Value.ToArray().ShouldBe(Initrd);
        kernel.EmbeddedCommandLine.ShouldBe("console=ttyS0 quiet");
    }

    [Test]
    public void The_command_line_is_tidied_as_systemd_stub_does()
    {
        // mangle_stub_cmdline (systemd src/boot/util.c): control characters become spaces, surrounding whitespace
        // goes; pe_section_to_str16 stops at the first NUL.
        UkiImage.Parse(UkiBuilder.Build(Elf, cmdline: "  console=ttyS0\tquiet\n\0garbage")).CommandLine.ShouldBe("console=ttyS0 quiet");
    }

    [Test]
    public void Without_initrd_or_command_line_there_is_nothing_embedded()
    {
        var kernel = KernelImage.Parse(UkiBuilder.Build(Elf));
        kernel.EmbeddedInitrd.ShouldBeNull();
        kernel.EmbeddedCommandLine.ShouldBeNull();
    }

    [Test]
    public void A_plain_kernel_has_no_wrapper()
    {
        var kernel = KernelImage.Parse(Elf);
        kernel.FileFormat.ShouldBe(ImageFormat.Elf);
        kernel.Uki.ShouldBeNull();
        kernel.Zboot.ShouldBeNull();
    }

    [Test]
    public void A_pe_without_a_linux_section_is_not_a_uki()
    {
        var pe = PeWriter.Write(PeWriter.MachineX64, [(".text", [0xC3]), (".initrd", Initrd)]).Bytes;
        ImageDetector.Detect(pe).ShouldBe(ImageFormat.Unknown);
        Should.Throw<LoaderException>(() => UkiImage.Parse(pe)).Code.ShouldBe(LoaderError.UkiLinuxSectionMissing);
    }

    [Test]
    public void An_empty_linux_section_is_UkiLinuxSectionMissing() =>
        Should.Throw<LoaderException>(() => KernelImage.Parse(UkiBuilder.Build([]))).Code.ShouldBe(LoaderError.UkiLinuxSectionMissing);

    [Test]
    public void A_uki_inside_a_uki_is_UkiNestedImage() =>
        Should.Throw<LoaderException>(() => KernelImage.Parse(UkiBuilder.Build(UkiBuilder.Build(Elf)))).Code.ShouldBe(LoaderError.UkiNestedImage);

    [Test]
    public void A_linux_section_holding_no_kernel_is_UkiNestedImage() =>
        Should.Throw<LoaderException>(() => KernelImage.Parse(UkiBuilder.Build(Encoding.ASCII.GetBytes("not a kernel at all")))).Code.ShouldBe(LoaderError.UkiNestedImage);

    [Test]
    public void A_linux_section_past_the_end_of_the_file_is_PeSectionOutsideFile()
    {
        var uki = UkiBuilder.Build(Elf);
        var truncated = uki.AsSpan(0, uki.Length - 0x100).ToArray();

        // Still detected as a UKI (the headers say so), then refused with the section's own error.
        ImageDetector.Detect(truncated).ShouldBe(ImageFormat.Uki);
        Should.Throw<LoaderException>(() => KernelImage.Parse(truncated)).Code.ShouldBe(LoaderError.PeSectionOutsideFile);
        ImageDetector.DetectInner(truncated).ShouldBe(ImageFormat.Unknown);
    }

    [Test]
    public void A_kernels_own_efi_stub_is_not_mistaken_for_a_uki()
    {
        // linux-loader's arm64 test Image and any EFI-stub kernel are PEs too, but have no .linux section.
        var arm64 = PeerImages.Read("test_arm64_image.bin");
        ImageDetector.Detect(arm64).ShouldBe(ImageFormat.Arm64Image);
        UkiImage.IsUki(arm64).ShouldBeFalse();
    }
}
