using LoaderHarness.Loader.Symbols;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Symbols;

/// <summary>
/// kallsyms recovered from Debian's real kernels (6.1 and 6.12, amd64 vmlinux and arm64 Image, cloud and
/// generic) against the real System.map of the same build (from its -dbg package): the same symbols at the same
/// addresses, in the layout that release of scripts/kallsyms.c writes.
/// </summary>
[TestFixture]
[Category("RealKernel")]
[Category("Slow")]
public sealed class KallsymsSystemMapTests
{
    private static readonly Dictionary<string, KallsymsTable> Tables = [];

    private static IEnumerable<TestCaseData> Kernels() => DebianKernelSet.All.Select(k => new TestCaseData(k).SetArgDisplayNames(k.Folder));

    private static IEnumerable<TestCaseData> Arm64Kernels() =>
        DebianKernelSet.All.Where(k => k.Architecture == "arm64").Select(k => new TestCaseData(k).SetArgDisplayNames(k.Folder));

    private static KallsymsTable Read(DebianKernelSet kernel)
    {
        if (!Tables.TryGetValue(kernel.Folder, out var table))
            Tables[kernel.Folder] = table = KallsymsReader.Read(kernel.Architecture == "amd64" ? kernel.Vmlinux() : kernel.Kernel());
        return table;
    }

    [TestCaseSource(nameof(Kernels))]
    public void Every_text_symbol_of_the_System_map_is_in_kallsyms_at_its_address(DebianKernelSet kernel)
    {
        var map = SystemMapParser.Parse(kernel.SystemMap());
        var recovered = Read(kernel).Symbols.Symbols.Select(s => (s.Name, s.Address)).ToHashSet();

        var allSymbols = File.ReadAllText(Path.Combine(kernel.Directory(), "config")).Contains("\nCONFIG_KALLSYMS_ALL=y\n", StringComparison.Ordinal);
        var expected = map.Symbols.Where(s => s.IsText && KallsymsKeeps(s.Name) && (allSymbols || InTextRanges(map, s))).ToList();
        var missing = expected.Where(s => !recovered.Contains((s.Name, s.Address))).Select(s => $"{s.Address:x16} {s.Type} {s.Name}").ToList();

        expected.Count.ShouldBeGreaterThan(20_000);
        missing.ShouldBeEmpty($"{missing.Count} of {expected.Count} System.map text symbols are not in kallsyms at their address");
    }

    [TestCaseSource(nameof(Kernels))]
    public void Every_kallsyms_symbol_is_in_the_System_map_with_its_address_and_type(DebianKernelSet kernel)
    {
        var map = SystemMapParser.Parse(kernel.SystemMap()).Symbols.Select(s => (s.Name, s.Address, s.Type)).ToHashSet();
        var untyped = map.Select(s => (s.Name, s.Address)).ToHashSet();
        var table = Read(kernel).Symbols;

        // With absolute per-CPU, scripts/kallsyms.c make_percpus_absolute retypes per-CPU variables 'A'.
        var unknown = table.Symbols
            .Where(s => s.Type == 'A' ? !untyped.Contains((s.Name, s.Address)) : !map.Contains((s.Name, s.Address, s.Type)))
            .Select(s => $"{s.Address:x16} {s.Type} {s.Name}").ToList();

        unknown.ShouldBeEmpty($"{unknown.Count} of {table.Count} kallsyms symbols are not in System.map as such");
    }

    [TestCaseSource(nameof(Kernels))]
    public void The_layout_is_the_one_that_release_writes(DebianKernelSet kernel)
    {
        var layout = Read(kernel).Layout!.Value;

        // 6.4 moved the address table after kallsyms_token_index ("scripts/kallsyms: change the output order").
        layout.Order.ShouldBe(kernel.Series == "6.1" ? KallsymsOrder.AddressesFirst : KallsymsOrder.AddressesLast);
        // x86-64 SMP selects KALLSYMS_ABSOLUTE_PERCPU (init/Kconfig); arm64 does not.
        layout.Addressing.ShouldBe(kernel.Architecture == "amd64" ? KallsymsAddressing.RelativeAbsolutePercpu : KallsymsAddressing.Relative);
        layout.OneByteLengths.ShouldBeFalse();
        // 6.12 places kallsyms_seqs_of_names after the address table, where the name tables do not see it.
        if (kernel.Series == "6.12")
            layout.SeqsOfNamesWidth.ShouldBe(0);
    }

    [TestCaseSource(nameof(Arm64Kernels))]
    public void A_raw_Image_knows_its_link_address(DebianKernelSet kernel)
    {
        var table = Read(kernel);
        var map = SystemMapParser.Parse(kernel.SystemMap());

        // _text is the Image's first byte (arch/arm64/kernel/vmlinux.lds.S).
        table.ImageBase.ShouldBe(map.AddressOf("_text"));
    }

    /// <summary>
    /// Without CONFIG_KALLSYMS_ALL, scripts/kallsyms.c <c>symbol_valid</c> keeps only symbols in
    /// [<c>_stext</c>, <c>_etext</c>] and [<c>_sinittext</c>, <c>_einittext</c>], and drops any other name at
    /// <c>_etext</c> or <c>_einittext</c> (they can move between the link passes).
    /// </summary>
    private static bool InTextRanges(SymbolTable map, KernelSymbol s)
    {
        ulong At(string name) => map.AddressOf(name) ?? throw new InvalidOperationException($"System.map has no {name}");
        var (stext, etext, sinittext, einittext) = (At("_stext"), At("_etext"), At("_sinittext"), At("_einittext"));
        if ((s.Address == etext && s.Name != "_etext") || (s.Address == einittext && s.Name != "_einittext"))
            return false;
        return (s.Address >= stext && s.Address <= etext) || (s.Address >= sinittext && s.Address <= einittext);
    }

    /// <summary>
    /// Whether scripts/kallsyms.c keeps a System.map text symbol: <c>is_ignored_symbol</c> drops the arm64 EFI stub
    /// and nVHE namespaces, linker thunks and veneers and CFI type ids.
    /// </summary>
    private static bool KallsymsKeeps(string name) =>
        !name.StartsWith("__efistub_", StringComparison.Ordinal)
        && !name.StartsWith("__kvm_nvhe_$", StringComparison.Ordinal)
        && !name.StartsWith("__kvm_nvhe_.L", StringComparison.Ordinal)
        && !name.StartsWith("__AArch64ADRPThunk_", StringComparison.Ordinal)
        && !name.StartsWith("__kcfi_typeid_", StringComparison.Ordinal)
        && !name.EndsWith("_veneer", StringComparison.Ordinal);
}
