using LoaderHarness.Emulator.Conformance;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Fixtures.Stubs;
using LoaderHarness.Loader.Setup;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Conformance;

/// <summary>
/// The built-in matrix: every generated fixture kernel, through every entry it has, under every VMM profile
/// offering that entry, conforms; and every seeded fault is caught.
/// </summary>
[TestFixture]
public sealed class FixtureConformanceTests
{
    private static readonly byte[] Initrd = Enumerable.Range(0, 0x3000).Select(i => (byte)i).ToArray();

    private static IEnumerable<TestCaseData> Matrix() =>
        ConformanceMatrix.Build(FixtureKernels.All(), VmmProfiles.All, initrd: Initrd)
            .Select(c => new TestCaseData(c).SetName($"Conforms({c.Name})"));

    [TestCaseSource(nameof(Matrix))]
    public void Conforms(ConformanceCase c)
    {
        var report = ConformanceRunner.Run(c);
        report.SetupError.ShouldBeNull();
        report.Violations.Select(v => $"{v.Contract.Id}: {v.Detail}").ShouldBeEmpty(report.Console);
        // The stub's verdict came through the exit port, and it saw our command line.
        report.Run!.Value.Reason.ShouldBe(LoaderHarness.Emulator.Core.StopReason.ExitPort);
        report.Results.Single(r => r.Contract.Id == "x86.run.kernel-verdict").Verdict.ShouldBe(ContractVerdict.Pass);
        if (c.Protocol != BootProtocol.Linux32 || !c.Kernel.EndsWith("2.00"))
            report.Console.ShouldContain("cmdline: " + c.CommandLine);
        report.Console.ShouldContain("initrd:");
        report.Console.ShouldContain("OK ");
    }

    [Test]
    public void MatrixCoversEveryProfileAndEntry()
    {
        var cases = ConformanceMatrix.Build(FixtureKernels.All(), VmmProfiles.All);
        cases.Select(c => c.Profile.Name).Distinct().Count().ShouldBe(VmmProfiles.All.Count);
        cases.Select(c => c.Protocol).Distinct().OrderBy(p => p)
            .ShouldBe(new[] { BootProtocol.Linux64, BootProtocol.Linux32, BootProtocol.Linux16, BootProtocol.Pvh }.OrderBy(p => p));
    }

    private static IEnumerable<TestCaseData> MutantCases()
    {
        var cases = ConformanceMatrix.Build(FixtureKernels.All(), [VmmProfiles.Spec, VmmProfiles.Firecracker], initrd: Initrd);
        foreach (var mutant in Mutants.All)
        {
            var target = cases.FirstOrDefault(c => ConformanceRunner.Applies(c, mutant));
            yield return new TestCaseData(mutant.Id, target).SetName($"MutantIsCaught({mutant.Id})");
        }
    }

    [TestCaseSource(nameof(MutantCases))]
    public void MutantIsCaught(string mutantId, ConformanceCase? target)
    {
        target.ShouldNotBeNull($"no fixture case exercises {mutantId}");
        var mutant = Mutants.All.Single(m => m.Id == mutantId);
        var report = ConformanceRunner.Run(target, mutant);
        report.Conforms.ShouldBeFalse($"{mutantId} on {target.Name} went unnoticed: {report.Console}");
    }
}
