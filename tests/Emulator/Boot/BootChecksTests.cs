using LoaderHarness.Emulator.Boot;
using LoaderHarness.Fixtures.Images;
using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Boot.ZeroPage;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Boot;

/// <summary>What the readback verdicts expect from the kernel, per entry, given what the loader set up.</summary>
[TestFixture]
public sealed class BootChecksTests
{
    private static readonly MemoryMapEntry IsaHole = new(0xA_0000, 0x6_0000, MemoryType.Reserved);

    private static GuestSetupResult SetUp(bool pvh)
    {
        using var memory = GuestMemory.Flat(64 << 20);
        var kernel = ElfWriter.Write(new ElfSpec { PvhEntry = pvh ? 0x100_0000 : null });
        return GuestSetup.Run(memory, new GuestSetupRequest { Kernel = KernelImage.Parse(kernel), CommandLine = "quiet", Initrd = new byte[0x1000] });
    }

    /// <summary>What init_pvh_bootparams (arch/x86/platform/pvh/enlighten.c) builds from a correct start_info.</summary>
    private static BootReadback PvhAccepted(GuestSetupResult setup) => new()
    {
        BootCommandLine = "quiet",
        E820 = [.. setup.MemoryMap, IsaHole],
        Ramdisk = setup.Initrd!.Value,
        TypeOfLoader = 0xB0,
        ProtocolVersion = 0x020C,
        BootParams = new byte[BootParamsLayout.Size],
    };

    [Test]
    public void PvhReadbackAsTheKernelBuildsItPasses()
    {
        var setup = SetUp(pvh: true);
        BootChecks.Judge(setup, PvhAccepted(setup)).ShouldAllBe(c => c.Passed);
    }

    private static IEnumerable<TestCaseData> PvhBreakages()
    {
        yield return new TestCaseData("e820", (Func<BootReadback, BootReadback>)(r => r with { E820 = r.E820.Take(r.E820.Count - 1).ToArray() })).SetName("ISA hole missing");
        yield return new TestCaseData("boot_command_line", (Func<BootReadback, BootReadback>)(r => r with { BootCommandLine = "quiet2" })).SetName("command line changed");
        yield return new TestCaseData("hdr.type_of_loader", (Func<BootReadback, BootReadback>)(r => r with { TypeOfLoader = 0x90 })).SetName("Xen's loader type");
        yield return new TestCaseData("ramdisk (module 0)", (Func<BootReadback, BootReadback>)(r => r with { Ramdisk = (0, 0) })).SetName("module 0 dropped");
    }

    [TestCaseSource(nameof(PvhBreakages))]
    public void EachPvhDifferenceFailsItsOwnCheck(string check, Func<BootReadback, BootReadback> breakIt)
    {
        var setup = SetUp(pvh: true);
        var failed = BootChecks.Judge(setup, breakIt(PvhAccepted(setup))).Where(c => !c.Passed).Select(c => c.Name);
        failed.ShouldBe([check]);
    }

    [Test]
    public void ZeroPageMayDifferOnlyInScratchAndKaslrFlag()
    {
        var setup = SetUp(pvh: false);
        var page = (byte[])setup.BootStructure.Clone();
        var contents = ZeroPageContents.Read(page);
        BootReadback Accepted(byte[] bootParams) => new()
        {
            BootCommandLine = "quiet",
            E820 = contents.E820,
            Ramdisk = (contents.InitrdAddress, contents.InitrdSize),
            TypeOfLoader = contents.Header.TypeOfLoader,
            ProtocolVersion = contents.Header.Version,
            BootParams = bootParams,
        };
        // The decompressor's own writes (boot-contracts §2.2 scratch; kaslr.c KASLR_FLAG) are allowed...
        page[0x1E4] = 0x0D;
        page[BootParamsLayout.LoadFlags] |= 0x02;
        BootChecks.Judge(setup, Accepted(page)).ShouldAllBe(c => c.Passed);
        // ...anything else is not.
        page[BootParamsLayout.AcpiRsdpAddr] ^= 1;
        BootChecks.Judge(setup, Accepted(page)).Where(c => !c.Passed).Select(c => c.Name).ShouldBe(["boot_params == zero page"]);
    }
}
