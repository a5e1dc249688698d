using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.Elf;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Loader.Symbols;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Boot;

/// <summary>The entry offset from the kernel's symbols against its payload's own ELF entry, for Debian's amd64 bzImages.</summary>
[TestFixture]
[Category("RealKernel")]
public sealed class DecompressedEntryRealKernelTests
{
    private static IEnumerable<TestCaseData> Kernels() =>
        new[] { DebianKernelSet.Amd64Cloud61, DebianKernelSet.Amd64Cloud612, DebianKernelSet.Amd64Generic612 }.Select(k => new TestCaseData(k).SetArgDisplayNames(k.Folder));

    [TestCaseSource(nameof(Kernels))]
    public void The_symbols_entry_offset_is_the_payload_e_entry_past_load_physical_addr(DebianKernelSet kernel)
    {
        var directory = kernel.Directory();
        var bzImage = File.ReadAllBytes(Path.Combine(directory, "vmlinuz"));
        var vmlinux = kernel.Vmlinux();
        using var memory = VmmProfiles.Firecracker.CreateMemory(1UL << 30);
        var setup = GuestSetup.Run(memory, VmmProfiles.Firecracker.Configure(new GuestSetupRequest { Kernel = KernelImage.Parse(bzImage), CommandLine = "" }));

        var entry = DecompressedEntry.For(setup.BootStructure, KallsymsReader.Recover(vmlinux));

        // compressed/misc.c parse_elf (6.6+): entry_offset = e_entry − LOAD_PHYSICAL_ADDR; e_entry is phys_startup_64
        // (arch/x86/kernel/vmlinux.lds.S ENTRY(phys_startup_64)); pref_address is LOAD_PHYSICAL_ADDR (header.S).
        entry.EntryOffset.ShouldBe(ElfHeader.Parse(vmlinux).Entry - entry.LoadPhysical);
        entry.EntryOffset.ShouldBe(kernel.Series == "6.12" ? 0xB53UL : 0UL);
        entry.Alignment.ShouldBe(0x20_0000UL); // CONFIG_PHYSICAL_ALIGN in Debian's configs
    }
}
