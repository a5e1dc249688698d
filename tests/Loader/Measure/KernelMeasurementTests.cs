using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Measure;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Measure;

/// <summary>
/// The SEV hashes table against QEMU's own rules (target/i386/sev.c build_kernel_loader_hashes and its structs;
/// hw/i386 x86_load_linux filling SevKernelLoaderContext), with every expected digest computed here, independently,
/// over the bytes QEMU hashes.
/// </summary>
[TestFixture]
public sealed class KernelMeasurementTests
{
    /// <summary>A worked example: 3 KiB whose byte 0x1F1 (setup_sects) is 1, so QEMU's setup is (1 + 1) * 512 = 1024 bytes.</summary>
    private static byte[] Kernel()
    {
        var kernel = Enumerable.Range(0, 3072).Select(i => (byte)(i * 31 + 7)).ToArray();
        kernel[0x1F1] = 1;
        return kernel;
    }

    private static readonly byte[] Initrd = Encoding.ASCII.GetBytes("070701 an initramfs, as far as the hash cares");

    [Test]
    public void The_worked_example_hashes_what_QEMU_hashes()
    {
        var kernel = Kernel();
        var m = KernelMeasurement.Measure(kernel, Initrd, "console=ttyS0 quiet");

        m.SetupSize.ShouldBe(1024);
        m.KernelSize.ShouldBe(2048L);
        // Kernel: one SHA-256 over the setup iovec then the kernel iovec.
        m.KernelSha256.ShouldBe(SHA256.HashData([.. kernel.AsSpan(0, 1024), .. kernel.AsSpan(1024)]));
        m.InitrdSha256.ShouldBe(SHA256.HashData(Initrd));
        // Command line: strlen + 1 bytes, the NUL included.
        m.CmdlineSha256.ShouldBe(SHA256.HashData("console=ttyS0 quiet\0"u8));
    }

    [Test]
    public void The_table_is_QEMUs_packed_layout_padded_to_16()
    {
        var m = KernelMeasurement.Measure(Kernel(), Initrd, "console=ttyS0");
        var t = m.Table;

        // PaddedSevHashTable: sizeof(SevHashTable) = 16 + 2 + 3 * (16 + 2 + 32) = 168, rounded up to 176.
        t.Length.ShouldBe(176);
        // QemuUUID UUID_LE(0x9438d606, 0x4f22, 0x4cc9, 0xb4, 0x79, ...): the first three fields little-endian.
        Convert.ToHexStringLower(t.AsSpan(0, 16)).ShouldBe("06d63894224fc94cb479a793d411fd21");
        BinaryPrimitives.ReadUInt16LittleEndian(t.AsSpan(16)).ShouldBe((ushort)168); // ht->len = sizeof(*ht)
        // Entries in struct order: cmdline, initrd, kernel; each guid, len = sizeof(entry) = 50, hash.
        AssertEntry(t, 18, "d82dd097" + "20bd" + "944c" + "aa78e7714d36ab2a", m.CmdlineSha256); // 97d02dd8-bd20-4c94-aa78-e7714d36ab2a
        AssertEntry(t, 68, "31f7ba44" + "2f3a" + "d74b" + "9af141e29169781d", m.InitrdSha256); // 44baf731-3a2f-4bd7-9af1-41e29169781d
        AssertEntry(t, 118, "3794e74d" + "d2ab" + "7f42" + "b835d5b172d2045b", m.KernelSha256); // 4de79437-abd2-427f-b835-d5b172d2045b
        // memset(padded_ht->padding, 0, ...).
        t.AsSpan(168).ToArray().ShouldAllBe(b => b == 0);
    }

    private static void AssertEntry(byte[] table, int offset, string guidHex, byte[] hash)
    {
        Convert.ToHexStringLower(table.AsSpan(offset, 16)).ShouldBe(guidHex);
        BinaryPrimitives.ReadUInt16LittleEndian(table.AsSpan(offset + 16)).ShouldBe((ushort)50);
        table.AsSpan(offset + 18, 32).ToArray().ShouldBe(hash);
    }

    [Test]
    public void No_command_line_is_the_one_byte_NUL_and_no_initrd_the_empty_buffer()
    {
        var m = KernelMeasurement.Measure(Kernel(), [], null);
        // SHA-256("\0") and SHA-256("") as published constants, not recomputed through the code under test.
        Convert.ToHexStringLower(m.CmdlineSha256).ShouldBe("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
        Convert.ToHexStringLower(m.InitrdSha256).ShouldBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        KernelMeasurement.Measure(Kernel(), [], "").CmdlineSha256.ShouldBe(m.CmdlineSha256);
    }

    [Test]
    public void A_command_line_ends_at_its_first_NUL_as_strlen_does() =>
        KernelMeasurement.CommandLineBytes("quiet\0ignored").ShouldBe("quiet\0"u8.ToArray());

    [Test]
    public void Setup_sects_zero_means_four()
    {
        var kernel = Kernel();
        kernel[0x1F1] = 0;
        KernelMeasurement.Measure(kernel, [], null).SetupSize.ShouldBe(5 * 512);
    }

    [Test]
    public void A_setup_longer_than_the_file_is_MeasureInvalidKernelHeader()
    {
        var kernel = Kernel();
        kernel[0x1F1] = 200; // (200 + 1) * 512 bytes > 3 KiB
        Should.Throw<LoaderException>(() => KernelMeasurement.Measure(kernel, [], null)).Code.ShouldBe(LoaderError.MeasureInvalidKernelHeader);
        Should.Throw<LoaderException>(() => KernelMeasurement.Measure([], [], null)).Code.ShouldBe(LoaderError.MeasureInvalidKernelHeader);
    }

    [Test]
    public void A_PVH_vmlinux_gets_no_table_because_QEMU_builds_none() =>
        Should.Throw<LoaderException>(() => KernelMeasurement.Measure(PeerImages.Read("test_elfnote.bin"), [], null)).Code.ShouldBe(LoaderError.MeasureUnsupportedKernel);

    [Test]
    public void An_arm64_kernel_is_MeasureUnsupportedKernel() =>
        Should.Throw<LoaderException>(() => KernelMeasurement.Measure(PeerImages.Read("test_arm64_image.bin"), [], null)).Code.ShouldBe(LoaderError.MeasureUnsupportedKernel);

    [Test]
    [Category("RealKernel")]
    public void Debians_bzImage_hashes_as_the_file_QEMU_was_given()
    {
        var bzImage = DebianKernel.BzImage();
        var m = KernelMeasurement.Measure(bzImage, [], "console=ttyS0");

        // QEMU leaves the header unmodified under SEV, so setup + kernel is the file, split at (setup_sects + 1) * 512.
        m.SetupSize.ShouldBe((bzImage[0x1F1] + 1) * 512);
        m.KernelSha256.ShouldBe(SHA256.HashData(bzImage));
    }
}
