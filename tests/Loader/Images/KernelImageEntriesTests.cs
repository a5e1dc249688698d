using LoaderHarness.Fixtures.Arm64;
using LoaderHarness.Fixtures.Images;
using LoaderHarness.Fixtures.Stubs;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Setup;
using NUnit.Framework;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Images;

/// <summary>
/// The one rule for which entries a kernel offers (<see cref="KernelImage.Entries"/>), on every kind of
/// image the fixtures and the peer's test images hold, and the Auto choice and refusals that follow from it.
/// </summary>
[TestFixture]
public sealed class KernelImageEntriesTests
{
    private static IEnumerable<TestCaseData> FixtureKernelEntries()
    {
        // PVH only with the Xen PHYS32_ENTRY note (elfnote.h); every vmlinux has the 64-bit e_entry.
        yield return Expect("vmlinux-pvh.elf", BootProtocol.Pvh, BootProtocol.Linux64);
        yield return Expect("vmlinux-linux64.elf", BootProtocol.Linux64);
        // boot.rst: 32-bit code32_start always; cmd_line_ptr (real mode here) from 2.02; XLF_KERNEL_64 from 2.12.
        yield return Expect("bzImage-2.00", BootProtocol.Linux32);
        yield return Expect("bzImage-2.02", BootProtocol.Linux32, BootProtocol.Linux16);
        yield return Expect("bzImage-2.06", BootProtocol.Linux32, BootProtocol.Linux16);
        yield return Expect("bzImage-2.10", BootProtocol.Linux32, BootProtocol.Linux16);
        yield return Expect("bzImage-2.12", BootProtocol.Linux32, BootProtocol.Linux64, BootProtocol.Linux16);
        yield return Expect("bzImage-2.15", BootProtocol.Linux32, BootProtocol.Linux64, BootProtocol.Linux16);

        static TestCaseData Expect(string name, params BootProtocol[] entries) => new TestCaseData(name, entries).SetName($"{{m}}({name})");
    }

    [Test]
    public void Every_fixture_kernel_has_a_row() =>
        FixtureKernels.All().Select(k => k.Name).ShouldBe(FixtureKernelEntries().Select(c => (string)c.Arguments[0]!), ignoreOrder: true);

    [TestCaseSource(nameof(FixtureKernelEntries))]
    public void Fixture_kernel_offers(string name, BootProtocol[] expected)
    {
        var kernel = KernelImage.Parse(FixtureKernels.All().Single(k => k.Name == name).Image);
        kernel.Entries.ShouldBe(expected);
        foreach (var protocol in Enum.GetValues<BootProtocol>())
            kernel.OffersEntry(protocol).ShouldBe(expected.Contains(protocol), protocol.ToString());
    }

    [Test]
    public void Arm64_fixture_image_offers_the_arm64_entry() =>
        KernelImage.Parse(Arm64FixtureKernels.All().Single().Image).Entries.ShouldBe([BootProtocol.Arm64]);

    [TestCase("test_arm64_image.bin", BootProtocol.Arm64)]
    [TestCase("test_riscv64_image.bin", BootProtocol.Riscv64)]
    public void Peer_images_offer_their_architectures_entry(string peer, BootProtocol entry)
    {
        var kernel = KernelImage.Parse(PeerImages.Read(peer));
        kernel.Entries.ShouldBe([entry]);
        kernel.DefaultEntry.ShouldBe(entry);
    }

    [Test]
    public void Image_gz_offers_the_arm64_entry() =>
        KernelImage.Parse(KernelImageTests.Gzip(PeerImages.Read("test_arm64_image.bin"))).Entries.ShouldBe([BootProtocol.Arm64]);

    [Test]
    public void Peer_elf_with_the_pvh_note_offers_pvh()
    {
        // linux-loader's test_elfnote.bin carries XEN_ELFNOTE_PHYS32_ENTRY; test_elf.bin has no note.
        KernelImage.Parse(PeerImages.Read("test_elfnote.bin")).Entries.ShouldBe([BootProtocol.Pvh, BootProtocol.Linux64]);
        KernelImage.Parse(PeerImages.Read("test_elf.bin")).Entries.ShouldBe([BootProtocol.Linux64]);
    }

    [TestCase("vmlinux-pvh.elf", BootProtocol.Pvh)]
    [TestCase("vmlinux-linux64.elf", BootProtocol.Linux64)]
    [TestCase("bzImage-2.10", BootProtocol.Linux32)]
    [TestCase("bzImage-2.15", BootProtocol.Linux64)]
    public void Auto_prefers_pvh_then_the_sixty_four_bit_entry(string name, BootProtocol chosen)
    {
        var kernel = KernelImage.Parse(FixtureKernels.All().Single(k => k.Name == name).Image);
        kernel.DefaultEntry.ShouldBe(chosen);
        kernel.ChooseEntry(BootProtocol.Auto).ShouldBe(chosen);
    }

    [TestCase(BootProtocol.Linux32)]
    [TestCase(BootProtocol.Linux16)]
    [TestCase(BootProtocol.Arm64)]
    public void An_entry_not_offered_is_unsupported_entry(BootProtocol asked)
    {
        var kernel = KernelImage.Parse(BzImageWriter.Write(new BzImageSpec { Version = 0x0201 }));
        kernel.ChooseEntry(BootProtocol.Linux32).ShouldBe(BootProtocol.Linux32);
        var vmlinux = KernelImage.Parse(ElfWriter.Write(new ElfSpec()));
        Should.Throw<LoaderException>(() => vmlinux.ChooseEntry(asked)).Code.ShouldBe(LoaderError.UnsupportedEntry);
        if (asked != BootProtocol.Linux32)
            Should.Throw<LoaderException>(() => kernel.ChooseEntry(asked)).Code.ShouldBe(LoaderError.UnsupportedEntry);
    }
}
