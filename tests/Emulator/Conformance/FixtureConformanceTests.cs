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
        ConformanceMatrix.Build(FixtureKernels.All(), VmmProfiles.X86, initrd: Initrd)
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
    public void Matrix_covers_every_profile_and_entry()
    {
        var cases = ConformanceMatrix.Build(FixtureKernels.All(), VmmProfiles.X86);
        cases.Select(c => c.Profile.Name).Distinct().Count().ShouldBe(VmmProfiles.X86.Count);
        cases.Select(c => c.Protocol).Distinct().OrderBy(p => p)
            .ShouldBe(new[] { BootProtocol.Linux64, BootProtocol.Linux32, BootProtocol.Linux16, BootProtocol.Pvh }.OrderBy(p => p));
    }

    private static IEnumerable<TestCaseData> MutantCases()
    {
        var cases = ConformanceMatrix.Build(FixtureKernels.All(), [VmmProfiles.Spec, VmmProfiles.Firecracker], initrd: Initrd);
        foreach (var mutant in Mutants.X86) // the x86 fixtures; the arm64 faults run on the arm64 stub in Arm64ContractsTests
        {
            var target = cases.FirstOrDefault(c => ConformanceRunner.Applies(c, mutant));
            yield return new TestCaseData(mutant.Id, target).SetName($"Mutant_is_caught({mutant.Id})");
        }
    }

    [TestCaseSource(nameof(MutantCases))]
    public void Mutant_is_caught(string mutantId, ConformanceCase? target)
    {
        target.ShouldNotBeNull($"no fixture case exercises {mutantId}");
        var mutant = Mutants.X86.Single(m => m.Id == mutantId);
        var report = ConformanceRunner.Run(target, mutant);
        report.Conforms.ShouldBeFalse($"{mutantId} on {target.Name} went unnoticed: {report.Console}");
    }
}
