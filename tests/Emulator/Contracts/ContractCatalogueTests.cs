using System.Text.RegularExpressions;
using LoaderHarness.Emulator.Contracts;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Contracts;

/// <summary>The catalogue's own promises: stable, unique IDs, each with a description and a cited source.</summary>
[TestFixture]
public sealed class ContractCatalogueTests
{
    [Test]
    public void Ids_are_unique_and_well_formed()
    {
        var ids = ContractCatalogue.X86.Select(c => c.Id).ToList();
        ids.Distinct().Count().ShouldBe(ids.Count);
        ids.ShouldAllBe(id => Regex.IsMatch(id, @"^x86\.[a-z0-9]+(\.[a-z0-9-]+)+$"));
        Mutants.All.Select(m => m.Id).Distinct().Count().ShouldBe(Mutants.All.Count);
    }

    [Test]
    public void Every_contract_says_what_and_where()
    {
        foreach (var c in ContractCatalogue.X86)
        {
            c.Description.ShouldNotBeNullOrWhiteSpace(c.Id);
            c.Source.ShouldNotBeNullOrWhiteSpace(c.Id);
        }
    }

    [Test]
    public void Only_documented_but_harmless_rules_are_advisory() =>
        // boot.rst "64-bit Boot Protocol" (selectors 0x08/0x10 work because head_64.S reloads its own GDT) and the PVH TR,
        // which QEMU's option ROM never loads; everything else fails a boot.
        ContractCatalogue.X86.Where(c => c.Severity == ContractSeverity.Advisory).Select(c => c.Id)
            .ShouldBe(["x86.entry.documented-selectors", "x86.pvh.task-register"], ignoreOrder: true);
}
