using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Images.Elf;
using LoaderHarness.Loader.Symbols;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Symbols;

/// <summary>
/// Symbols recovered from Debian's real vmlinux (which ships without a real System.map) agree with what
/// the ELF headers and the PVH note say independently.
/// </summary>
[TestFixture]
[Category("RealKernel")]
[Category("Slow")]
public sealed class KallsymsRealKernelTests
{
    /// <summary>__START_KERNEL_map (arch/x86/include/asm/page_64_types.h).</summary>
    private const ulong StartKernelMap = 0xFFFF_FFFF_8000_0000;

    private static byte[]? _vmlinux;
    private static SymbolTable? _symbols;

    private static byte[] Vmlinux => _vmlinux ??= VmlinuxExtractor.Extract(DebianKernel.BzImage());
    private static SymbolTable Symbols => _symbols ??= KallsymsReader.Recover(Vmlinux);

    private static ElfProgramHeader FirstLoad => ElfKernel.Parse(Vmlinux).ProgramHeaders.First(p => p.Type == ElfProgramHeader.TypeLoad);

    [Test]
    public void Startup_is_the_elf_entry()
    {
        // e_entry is physical (0x1000000); startup_64 is the first instruction of .text (head_64.S).
        var elf = ElfKernel.Parse(Vmlinux);
        Symbols.AddressOf("startup_64").ShouldBe(elf.Header.Entry - FirstLoad.PhysicalAddress + FirstLoad.VirtualAddress);
    }

    [Test]
    public void Text_is_the_first_load_segment() => Symbols.AddressOf("_text").ShouldBe(FirstLoad.VirtualAddress);

    [Test]
    public void Pvh_entry_is_pvh_start_xen()
    {
        // The Xen PHYS32_ENTRY note holds pvh_start_xen's physical address (arch/x86/platform/pvh/head.S);
        // Debian 6.1: 0x1000850.
        var note = ElfKernel.Parse(Vmlinux).PvhEntry!.Value;
        (Symbols.AddressOf("pvh_start_xen")!.Value - StartKernelMap).ShouldBe((ulong)note);
        Symbols.TryGet("pvh_start_xen", out var pvh).ShouldBeTrue();
        pvh.Type.ShouldBe('t'); // local symbol (SYM_CODE_START_LOCAL in arch/x86/platform/pvh/head.S)
    }

    [Test]
    public void Symbols_are_sorted_and_plentiful()
    {
        var addresses = Symbols.Symbols.Select(s => s.Address).ToArray();
        addresses.ShouldBe(addresses.Order().ToArray());
        Symbols.Count.ShouldBeGreaterThan(50_000); // KALLSYMS_ALL: every text and data symbol
    }

    [TestCase("start_kernel", 'T')]
    [TestCase("x86_64_start_kernel", 'T')]
    [TestCase("xen_prepare_pvh", 'T')]
    [TestCase("boot_params", 'B')]
    [TestCase("boot_command_line", 'D')]
    [TestCase("phys_base", 'D')]
    public void Readback_and_stop_symbols_exist_inside_the_image(string name, char type)
    {
        Symbols.TryGet(name, out var symbol).ShouldBeTrue();
        symbol.Type.ShouldBe(type);
        var elf = ElfKernel.Parse(Vmlinux);
        elf.ProgramHeaders.ShouldContain(p => p.Type == ElfProgramHeader.TypeLoad
            && symbol.Address >= p.VirtualAddress && symbol.Address < p.VirtualAddress + p.MemorySize);
    }

    [Test]
    public void Recovered_symbols_round_trip_through_system_map_text()
    {
        // scripts/mksysmap's line format, as a System.map from the -dbg package has it.
        var text = string.Join('\n', Symbols.Symbols.Select(s => $"{s.Address:x16} {s.Type} {s.Name}"));

        SystemMapParser.Parse(text).Symbols.ShouldBe(Symbols.Symbols);
    }
}
