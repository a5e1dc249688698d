using System.Security.Cryptography;
using System.Text;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.Elf;

namespace LoaderHarness.Loader.Measure;

/// <summary>
/// Measured direct boot for SEV guests: the SHA-256 digests QEMU puts in the SEV hashes table, computed over
/// exactly the bytes QEMU hashes (hw/i386/x86-common.c <c>x86_load_linux</c> filling <c>SevKernelLoaderContext</c>,
/// target/i386/sev.c <c>build_kernel_loader_hashes</c>), and the table itself (<see cref="SevHashTable"/>).
/// </summary>
/// <remarks>
/// QEMU's rules, one by one:
/// <list type="bullet">
/// <item>kernel: the setup (<c>(setup_sects + 1) * 512</c> bytes, setup_sects at 0x1F1 with 0 meaning 4) then the
/// rest of the file, hashed as one stream (an iovec of two). With SEV QEMU leaves the header as read ("we don't
/// update the header so the hash of the kernel ... matches the hash of the file the user passed in"), so the
/// digest is that of the file; a setup longer than the file is "invalid kernel header".</item>
/// <item>initrd: its bytes; none is an empty buffer (the SHA-256 of nothing).</item>
/// <item>command line: <c>strlen(cmdline) + 1</c> bytes, the text and its terminating NUL; none is the one byte "\0".</item>
/// </list>
/// A vmlinux with a PVH note goes down QEMU's pvh.bin path, which returns before any hashes are added, and SEV is
/// x86 only: both are refused rather than given a table QEMU would never build.
/// </remarks>
public sealed class KernelMeasurement
{
    private KernelMeasurement(int setupSize, long kernelSize, byte[] kernel, byte[] initrd, byte[] cmdline)
    {
        SetupSize = setupSize;
        KernelSize = kernelSize;
        KernelSha256 = kernel;
        InitrdSha256 = initrd;
        CmdlineSha256 = cmdline;
        Table = SevHashTable.Build(kernel, initrd, cmdline);
    }

    /// <summary>The setup part QEMU splits off (<c>setup_size</c>).</summary>
    public int SetupSize { get; }
    /// <summary>The rest of the file (<c>kernel_size</c> after the split).</summary>
    public long KernelSize { get; }
    /// <summary>SHA-256 over setup then kernel.</summary>
    public byte[] KernelSha256 { get; }
    /// <summary>SHA-256 over the initrd (of no bytes without one).</summary>
    public byte[] InitrdSha256 { get; }
    /// <summary>SHA-256 over the command line and its NUL.</summary>
    public byte[] CmdlineSha256 { get; }
    /// <summary>The padded SEV hashes table (<see cref="SevHashTable.PaddedSize"/> bytes).</summary>
    public byte[] Table { get; }

    /// <summary>Measures a kernel file, an optional initrd and a command line as QEMU does.</summary>
    /// <exception cref="LoaderException">
    /// <see cref="LoaderError.MeasureUnsupportedKernel"/> for a PVH vmlinux or a non-x86 kernel;
    /// <see cref="LoaderError.MeasureInvalidKernelHeader"/> for an empty file or a setup longer than the file.
    /// </exception>
    public static KernelMeasurement Measure(ReadOnlySpan<byte> kernel, ReadOnlySpan<byte> initrd, string? commandLine)
    {
        var setupSize = SetupLength(kernel);
        Span<byte> kernelHash = stackalloc byte[SevHashTable.HashSize];
        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            // QEMU's iovec: setup, then kernel; one SHA-256 over both.
            hash.AppendData(kernel[..setupSize]);
            hash.AppendData(kernel[setupSize..]);
            hash.GetHashAndReset(kernelHash);
        }
        return new KernelMeasurement(setupSize, kernel.Length - setupSize, kernelHash.ToArray(), SHA256.HashData(initrd),
            SHA256.HashData(CommandLineBytes(commandLine)));
    }

    /// <summary>
    /// The bytes QEMU hashes for the command line: the text up to its first NUL (a C string: strlen), then one NUL.
    /// The text is UTF-8, as QEMU receives <c>-append</c> from its argv.
    /// </summary>
    public static byte[] CommandLineBytes(string? commandLine)
    {
        var text = commandLine ?? "";
        var nul = text.IndexOf('\0');
        if (nul >= 0)
            text = text[..nul];
        var bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }

    /// <summary>
    /// x86_load_linux: <c>setup_size = header[0x1f1]</c>, 0 meaning 4, then <c>(setup_size + 1) * 512</c>, refused when
    /// larger than the file. The same rule whatever the file is (a file without "HdrS" is protocol 0 to QEMU and
    /// split the same way), except a PVH vmlinux, which QEMU boots without hashes.
    /// </summary>
    private static int SetupLength(ReadOnlySpan<byte> kernel)
    {
        if (kernel.IsEmpty)
            throw new LoaderException(LoaderError.MeasureInvalidKernelHeader, "the kernel file is empty (QEMU: could not load kernel)");
        var format = ImageDetector.DetectInner(kernel);
        if (format is ImageFormat.Arm64Image or ImageFormat.Arm64ImageGzip or ImageFormat.Riscv64Image)
            throw new LoaderException(LoaderError.MeasureUnsupportedKernel,
                $"{format} kernel: SEV measured direct boot is x86 only (QEMU target/i386/sev.c)");
        if (format == ImageFormat.Elf && ElfKernel.Parse(kernel).PvhEntry is not null)
            throw new LoaderException(LoaderError.MeasureUnsupportedKernel,
                "a vmlinux with a PVH note: QEMU boots it through pvh.bin (x86_load_linux's load_elfboot path), which adds no SEV hashes table; measure the bzImage");
        const int SetupSectsOffset = 0x1F1;
        int sects = kernel.Length > SetupSectsOffset ? kernel[SetupSectsOffset] : 0;
        var setupSize = ((sects == 0 ? 4 : sects) + 1) * 512;
        if (setupSize > kernel.Length)
            throw new LoaderException(LoaderError.MeasureInvalidKernelHeader,
                $"setup_sects {sects} at 0x1f1 means a {setupSize}-byte setup, more than the {kernel.Length}-byte file (QEMU: invalid kernel header)");
        return setupSize;
    }
}
