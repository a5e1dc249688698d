using LoaderHarness.Loader.Symbols;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Symbols;

/// <summary>
/// A kallsyms table decodes names only when a lookup needs them; on Debian's real kernels (6.1 and 6.12, amd64
/// vmlinux and arm64 Image) every answer it gives is the one the fully decoded table gives.
/// </summary>
[TestFixture]
[Category("RealKernel")]
[Category("Slow")]
public sealed class KallsymsLazyTests
{
    /// <summary>Names a boot looks up: stop points, the readback's globals, the x86 image extent, arm64's boot path.</summary>
    private static readonly string[] BootNames =
        ["start_kernel", "_text", "_end", "boot_params", "boot_command_line", "phys_base", "primary_entry", "__primary_switched", "early_serial_write", "no_such_symbol"];

    private static IEnumerable<TestCaseData> Kernels() => DebianKernelSet.All.Select(k => new TestCaseData(k).SetArgDisplayNames(k.Folder));

    private static byte[] Bytes(DebianKernelSet kernel) => kernel.Architecture == "amd64" ? kernel.Vmlinux() : kernel.Kernel();

    [TestCaseSource(nameof(Kernels))]
    public void Lazy_lookups_by_name_answer_as_the_decoded_table(DebianKernelSet kernel)
    {
        var bytes = Bytes(kernel);
        var eager = new SymbolTable(KallsymsReader.Read(bytes).Symbols.Symbols);
        var lazy = KallsymsReader.Read(bytes).Symbols;

        lazy.Count.ShouldBe(eager.Count);
        // Every 37th name (repeated static names among them) and the ones a boot asks for.
        var names = eager.Symbols.Where((_, i) => i % 37 == 0).Select(s => s.Name).Concat(BootNames).Distinct().ToList();
        foreach (var name in names)
        {
            lazy.TryGet(name, out var fromLazy).ShouldBe(eager.TryGet(name, out var fromEager), name);
            fromLazy.ShouldBe(fromEager, name);
        }
    }

    [TestCaseSource(nameof(Kernels))]
    public void Lazy_lookups_by_address_answer_as_the_decoded_table(DebianKernelSet kernel)
    {
        var bytes = Bytes(kernel);
        var eager = new SymbolTable(KallsymsReader.Read(bytes).Symbols.Symbols);
        var lazy = KallsymsReader.Read(bytes).Symbols;

        foreach (var address in eager.Symbols.Where((_, i) => i % 37 == 0).SelectMany(s => new[] { s.Address, s.Address + 1, s.Address + 0x40, s.Address - 1 }))
        {
            lazy.Describe(address).ShouldBe(eager.Describe(address));
            lazy.NameAt(address).ShouldBe(eager.NameAt(address));
            lazy.Containing(address).ShouldBe(eager.Containing(address));
        }
        lazy.Describe(0).ShouldBe(eager.Describe(0));
    }

    [TestCaseSource(nameof(Kernels))]
    public void Decoding_every_name_of_a_lazy_table_gives_the_eager_symbols(DebianKernelSet kernel)
    {
        var bytes = Bytes(kernel);
        var lazy = KallsymsReader.Read(bytes).Symbols;
        lazy.AddressOf("start_kernel").ShouldNotBeNull();

        lazy.Symbols.ShouldBe(new SymbolTable(KallsymsReader.Read(bytes).Symbols.Symbols).Symbols);
        lazy[lazy.Count - 1].ShouldBe(lazy.Symbols[^1]);
    }
}
