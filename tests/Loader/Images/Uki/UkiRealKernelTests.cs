using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Images.Uki;

/// <summary>
/// A unified kernel image built here from Debian's bzImage, our generated initramfs and a command line loads
/// exactly as the three parts do: same entry, placements, boot structure, and every byte of guest RAM.
/// </summary>
[TestFixture]
[Category("RealKernel")]
public sealed class UkiRealKernelTests
{
    private const string Cmdline = "console=ttyS0 nokaslr panic=-1";

    public static byte[] Initramfs() =>
        File.ReadAllBytes(Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", "initramfs", "initramfs-x86_64.cpio"));

    public static byte[] Build(byte[] bzImage) =>
        UkiBuilder.Build(bzImage, Initramfs(), Cmdline + "\n", osrel: "ID=debian\nVERSION_ID=12\n", uname: "6.1.0-debian-cloud-amd64");

    [TestCase(BootProtocol.Linux64)]
    [TestCase(BootProtocol.Linux32)]
    [TestCase(BootProtocol.Linux16)]
    public void Loads_byte_for_byte_as_its_parts(BootProtocol protocol)
    {
        var bzImage = DebianKernel.BzImage();
        var uki = KernelImage.Parse(Build(bzImage));
        uki.FileFormat.ShouldBe(ImageFormat.Uki);
        uki.Format.ShouldBe(ImageFormat.BzImage);

        using var ukiMemory = GuestMemory.WithMmioGap(256 << 20);
        using var partsMemory = GuestMemory.WithMmioGap(256 << 20);
        var fromUki = GuestSetup.Run(ukiMemory, new GuestSetupRequest
        {
            Kernel = uki,
            Initrd = uki.EmbeddedInitrd,
            CommandLine = uki.EmbeddedCommandLine!,
            Protocol = protocol,
        });
        var fromParts = GuestSetup.Run(partsMemory, new GuestSetupRequest
        {
            Kernel = KernelImage.Parse(bzImage),
            Initrd = Initramfs(),
            CommandLine = Cmdline,
            Protocol = protocol,
        });

        fromUki.CommandLine.ShouldBe(Cmdline); // ukify's trailing newline tidied away, as systemd-stub does
        fromUki.Protocol.ShouldBe(fromParts.Protocol);
        fromUki.Entry.ShouldBe(fromParts.Entry);
        fromUki.Initrd.ShouldBe(fromParts.Initrd);
        fromUki.Placements.ShouldBe(fromParts.Placements);
        fromUki.MemoryMap.ShouldBe(fromParts.MemoryMap);
        fromUki.BootStructure.ShouldBe(fromParts.BootStructure);
        fromUki.Kernel.KernelLoad.ShouldBe(fromParts.Kernel.KernelLoad);
        fromUki.Kernel.KernelEnd.ShouldBe(fromParts.Kernel.KernelEnd);
        GuestMemoryComparison.FirstDifference(ukiMemory, partsMemory).ShouldBeNull();
    }
}
