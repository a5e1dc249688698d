using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Fixtures.Images;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Loader.Symbols;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Boot;

/// <summary><see cref="KernelBoot"/> on a tiny PVH kernel: stop points, symbols in reports, bad requests.</summary>
[TestFixture]
public sealed class KernelBootTests
{
    /// <summary>32-bit PVH code at 0x1000000: <c>mov eax, [ebx]</c>, <c>jmp target</c>; target (+0x10): <c>jmp target</c>.</summary>
    private static readonly byte[] Code = [0x8B, 0x03, 0xEB, 0x0C, .. new byte[0x0C], 0xEB, 0xFE, .. new byte[0x1EE]];

    private static readonly SymbolTable Symbols = new(
    [
        new(0xFFFF_FFFF_8100_0000, 'T', "_text"),
        new(0xFFFF_FFFF_8100_0010, 'T', "target"),
        new(0xFFFF_FFFF_8100_0020, 'T', "never"),
    ]);

    private static BootReport Boot(string until, SymbolTable? symbols = null)
    {
        using var memory = GuestMemory.Flat(64 << 20);
        var setup = GuestSetup.Run(memory, new GuestSetupRequest { Kernel = KernelImage.Parse(ElfWriter.Write(new ElfSpec { Code = Code, PvhEntry = 0x100_0000 })) });
        return KernelBoot.Run(memory, setup, new KernelBootOptions { Symbols = symbols ?? Symbols, Until = until, MaxInstructions = 1000 });
    }

    [Test]
    public void Stops_before_the_symbols_first_instruction()
    {
        var report = Boot("target");

        report.Milestone.ShouldBe("target");
        report.StopLocation.ShouldBe("target");
        report.Instructions.ShouldBe(2UL);
        report.KernelPhysical.ShouldBe(0x100_0000UL);
        report.Readback.ShouldBeNull(); // not a readback point
        report.Succeeded.ShouldBeTrue();
    }

    [Test]
    public void A_spin_is_reported_where_it_spins()
    {
        var report = Boot("never");

        report.Milestone.ShouldBeNull();
        report.StopReason.ShouldBe(LoaderHarness.Emulator.Core.StopReason.SelfLoop);
        report.StopLocation.ShouldBe("target");
        report.Succeeded.ShouldBeFalse();
    }

    [Test]
    public void An_unknown_stop_symbol_is_bad_input() =>
        Should.Throw<LoaderException>(() => Boot("start_kernel")).Code.ShouldBe(LoaderError.UnknownSymbol);

    [Test]
    public void The_image_picks_the_engine()
    {
        // An arm64 Image goes to the arm64 path, which reads the Image's own kallsyms: the fixture stub has none.
        var stub = File.ReadAllBytes(Path.Combine(LoaderHarness.Tests.Support.DebianKernel.RepositoryRoot(), "fixtures", "generated",
            LoaderHarness.Fixtures.Arm64.Arm64FixtureKernels.Folder, LoaderHarness.Fixtures.Arm64.Arm64FixtureKernels.EntryStub));
        KernelBoot.ArchitectureOf(stub).ShouldBe(GuestArchitecture.Arm64);
        Should.Throw<LoaderException>(() => KernelBoot.Run(stub, new KernelBootOptions())).Code.ShouldBe(LoaderError.KallsymsNotFound);
        // The x86 image runs on the x86 engine whatever it is handed; an arm64 profile cannot start it.
        var elf = ElfWriter.Write(new ElfSpec { Code = Code, PvhEntry = 0x100_0000 });
        KernelBoot.ArchitectureOf(elf).ShouldBe(GuestArchitecture.X86_64);
        Should.Throw<ArgumentException>(() => KernelBoot.Run(elf, new KernelBootOptions { Symbols = Symbols, Profile = LoaderHarness.Emulator.Vcpu.VmmProfiles.SpecEl2 }));
        KernelBoot.Run(elf, new KernelBootOptions { Symbols = Symbols, Until = "target", MemorySize = 64 << 20 }).Milestone.ShouldBe("target");
    }

    [Test]
    public void Symbols_without_text_are_bad_input() =>
        Should.Throw<LoaderException>(() => Boot("target", new SymbolTable([new(0xFFFF_FFFF_8100_0010, 'T', "target")])))
            .Code.ShouldBe(LoaderError.UnknownSymbol);
}
