using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Fixtures.Images;
using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Boot.ZeroPage;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Contracts;

/// <summary>What the readback contracts expect from the kernel, per entry, given what the loader set up.</summary>
[TestFixture]
public sealed class X86ReadbackContractsTests
{
    private static readonly MemoryMapEntry IsaHole = new(0xA_0000, 0x6_0000, MemoryType.Reserved);

    private GuestMemory _memory = null!;

    [SetUp]
    public void CreateMemory() => _memory = GuestMemory.Flat(64 << 20);

    [TearDown]
    public void DisposeMemory() => _memory.Dispose();

    private GuestSetupResult SetUp(bool pvh)
    {
        var kernel = ElfWriter.Write(new ElfSpec { PvhEntry = pvh ? 0x100_0000 : null });
        return GuestSetup.Run(_memory, new GuestSetupRequest { Kernel = KernelImage.Parse(kernel), CommandLine = "quiet", Initrd = new byte[0x1000] });
    }

    /// <summary>The readback contracts' verdicts on a boot of <paramref name="setup"/> whose kernel recorded <paramref name="readback"/>.</summary>
    private IReadOnlyList<ContractResult> Judge(GuestSetupResult setup, KernelReadback readback, VmmProfile? profile = null)
    {
        var boot = new BootCase(new X86Cpu(_memory), setup, profile ?? VmmProfiles.Firecracker) { Readback = readback };
        return X86ReadbackContracts.All.Select(c => c.Evaluate(boot)).ToArray();
    }

    /// <summary>What init_pvh_bootparams (arch/x86/platform/pvh/enlighten.c) builds from a correct start_info.</summary>
    private static KernelReadback PvhAccepted(GuestSetupResult setup) => new()
    {
        BootCommandLine = "quiet",
        X86 = new X86KernelReadback
        {
            E820 = [.. setup.MemoryMap, IsaHole],
            Ramdisk = setup.Initrd!.Value,
            TypeOfLoader = 0xB0,
            ProtocolVersion = 0x020C,
            BootParams = new byte[BootParamsLayout.Size],
        },
    };

    [Test]
    public void Pvh_readback_as_the_kernel_builds_it_passes()
    {
        var setup = SetUp(pvh: true);
        // boot_params itself is the kernel's own construction under PVH: not compared.
        Judge(setup, PvhAccepted(setup)).ShouldAllBe(c => c.Verdict == ContractVerdict.Pass || c.Contract.Id == "x86.run.boot-params");
    }

    private static IEnumerable<TestCaseData> PvhBreakages()
    {
        yield return new TestCaseData("x86.run.e820", (Func<KernelReadback, KernelReadback>)(r => r with { X86 = r.X86! with { E820 = r.X86.E820.Take(r.X86.E820.Count - 1).ToArray() } })).SetName("ISA hole missing");
        yield return new TestCaseData("x86.run.boot-command-line", (Func<KernelReadback, KernelReadback>)(r => r with { BootCommandLine = "quiet2" })).SetName("command line changed");
        yield return new TestCaseData("x86.run.type-of-loader", (Func<KernelReadback, KernelReadback>)(r => r with { X86 = r.X86! with { TypeOfLoader = 0x90 } })).SetName("Xen's loader type");
        yield return new TestCaseData("x86.run.ramdisk", (Func<KernelReadback, KernelReadback>)(r => r with { X86 = r.X86! with { Ramdisk = (0, 0) } })).SetName("module 0 dropped");
    }

    [TestCaseSource(nameof(PvhBreakages))]
    public void Each_pvh_difference_fails_its_own_contract(string contract, Func<KernelReadback, KernelReadback> breakIt)
    {
        var setup = SetUp(pvh: true);
        var failed = Judge(setup, breakIt(PvhAccepted(setup))).Where(c => c.Verdict == ContractVerdict.Fail).Select(c => c.Contract.Id);
        failed.ShouldBe([contract]);
    }

    [Test]
    public void Zero_page_may_differ_only_in_scratch_and_kaslr_flag()
    {
        var setup = SetUp(pvh: false);
        var page = (byte[])setup.BootStructure.Clone();
        var contents = ZeroPageContents.Read(page);
        KernelReadback Accepted(byte[] bootParams) => new()
        {
            BootCommandLine = "quiet",
            X86 = new X86KernelReadback
            {
                E820 = contents.E820,
                Ramdisk = (contents.InitrdAddress, contents.InitrdSize),
                TypeOfLoader = contents.Header.TypeOfLoader,
                ProtocolVersion = contents.Header.Version,
                BootParams = bootParams,
            },
        };
        // The decompressor's own writes (arch/x86/boot/compressed/head_64.S scratch; kaslr.c KASLR_FLAG) are allowed...
        page[0x1E4] = 0x0D;
        page[BootParamsLayout.LoadFlags] |= 0x02;
        Judge(setup, Accepted(page)).ShouldAllBe(c => c.Verdict == ContractVerdict.Pass);
        // ...anything else is not.
        page[BootParamsLayout.AcpiRsdpAddr] ^= 1;
        Judge(setup, Accepted(page)).Where(c => c.Verdict == ContractVerdict.Fail).Select(c => c.Contract.Id).ShouldBe(["x86.run.boot-params"]);
    }

    [Test]
    public void The_decompressor_may_store_the_rsdp_it_found_by_scanning()
    {
        // crosvm passes no RSDP address; arch/x86/boot/compressed/misc.c extract_kernel stores what get_rsdp_addr found
        // scanning the BIOS area, the RSDP the profile wrote at 0xE0000. Any other value is still a difference.
        var setup = SetUp(pvh: false);
        var page = (byte[])setup.BootStructure.Clone();
        BitConverter.ToUInt64(page, BootParamsLayout.AcpiRsdpAddr).ShouldBe(0UL);
        var contents = ZeroPageContents.Read(page);
        KernelReadback Accepted(byte[] bootParams) => new()
        {
            BootCommandLine = "quiet",
            X86 = new X86KernelReadback
            {
                E820 = contents.E820,
                Ramdisk = (contents.InitrdAddress, contents.InitrdSize),
                TypeOfLoader = contents.Header.TypeOfLoader,
                ProtocolVersion = contents.Header.Version,
                BootParams = bootParams,
            },
        };
        BitConverter.TryWriteBytes(page.AsSpan(BootParamsLayout.AcpiRsdpAddr), 0xE_0000UL).ShouldBeTrue();
        Judge(setup, Accepted(page), VmmProfiles.Crosvm).Single(c => c.Contract.Id == "x86.run.boot-params").Verdict.ShouldBe(ContractVerdict.Pass);
        BitConverter.TryWriteBytes(page.AsSpan(BootParamsLayout.AcpiRsdpAddr), 0xF_0000UL).ShouldBeTrue();
        Judge(setup, Accepted(page), VmmProfiles.Crosvm).Single(c => c.Contract.Id == "x86.run.boot-params").Verdict.ShouldBe(ContractVerdict.Fail);
    }

    [Test]
    public void Without_a_readback_they_do_not_apply()
    {
        var setup = SetUp(pvh: false);
        var boot = new BootCase(new X86Cpu(_memory), setup, VmmProfiles.Firecracker);
        X86ReadbackContracts.All.Select(c => c.Evaluate(boot).Verdict).ShouldAllBe(v => v == ContractVerdict.NotApplicable);
    }
}
