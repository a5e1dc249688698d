using LoaderHarness.Emulator.Conformance;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Fixtures.Arm64;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Contracts;

/// <summary>
/// The arm64 catalogue on the committed fixture stub: a correct boot conforms under every profile, and every
/// seeded fault is caught by a required contract (the stub's own PSCI verdict included).
/// </summary>
[TestFixture]
public class Arm64ContractsTests
{
    private static readonly byte[] Stub = File.ReadAllBytes(Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", Arm64FixtureKernels.Folder, Arm64FixtureKernels.EntryStub));

    /// <summary>The stub under <paramref name="profile"/>, as the conformance matrix builds it (no initrd).</summary>
    private static ConformanceCase Case(VmmProfile profile) => ConformanceMatrix.Build([("arm64-stub", Stub)], [profile]).Single();

    [Test]
    public void Catalogue_ids_are_unique_and_described()
    {
        ContractCatalogue.Arm64.Select(c => c.Id).ShouldBeUnique();
        ContractCatalogue.Arm64.ShouldAllBe(c => c.Id.StartsWith("arm64.") && c.Description.Length > 0 && c.Source.Length > 0);
        Mutants.Arm64.Select(m => m.Id).ShouldBeUnique();
        Mutants.Arm64.ShouldAllBe(m => m.Architecture == GuestArchitecture.Arm64);
    }

    private static IEnumerable<TestCaseData> Profiles() => VmmProfiles.Arm64.Select(p => new TestCaseData(p).SetName(p.Name));

    [TestCaseSource(nameof(Profiles))]
    public void Fixture_stub_conforms(VmmProfile profile)
    {
        var report = ConformanceRunner.Run(Case(profile));
        report.Violations.Select(v => $"{v.Contract.Id}: {v.Detail}").ShouldBeEmpty(report.Console);
        report.Run!.Value.Reason.ShouldBe(StopReason.PowerOff);
        report.Console.ShouldContain("bootargs: console=ttyAMA0");
        report.Console.ShouldEndWith("OK\n");
        var verdict = report.Results.Single(r => r.Contract.Id == "arm64.run.kernel-verdict");
        verdict.Verdict.ShouldBe(ContractVerdict.Pass);
        // The detail quotes the console's last lines only (a real kernel prints thousands).
        var lines = report.Console.TrimEnd().Split('\n');
        verdict.Detail.ShouldEndWith(lines[^1]);
        verdict.Detail.Split(" | ").Length.ShouldBe(Math.Min(4, lines.Length));
        report.Results.Single(r => r.Contract.Id == "arm64.run.read-dtb").Verdict.ShouldBe(ContractVerdict.Pass);
    }

    private static IEnumerable<TestCaseData> MutantCases()
    {
        // The contract each fault is meant for (others may catch it too).
        var intended = new Dictionary<string, string>
        {
            ["arm64.x0-wrong"] = "arm64.x0-dtb",
            ["arm64.x1-nonzero"] = "arm64.x1-x3-zero",
            ["arm64.daif-unmasked"] = "arm64.daif-masked",
            ["arm64.el0-entry"] = "arm64.entry-el",
            ["arm64.mmu-on"] = "arm64.mmu-off",
            ["arm64.cntfrq-zero"] = "arm64.cntfrq-set",
            ["arm64.dtb-misaligned"] = "arm64.dtb-aligned",
            ["arm64.dtb-bad-magic"] = "arm64.dtb-magic",
            ["arm64.dtb-too-big"] = "arm64.dtb-size",
            ["arm64.dtb-in-image"] = "arm64.dtb-outside-image",
            ["arm64.image-off-2mib"] = "arm64.image-2mib-base",
        };
        foreach (var mutant in Mutants.Arm64)
            yield return new TestCaseData(mutant, intended[mutant.Id]).SetName(mutant.Id);
    }

    [TestCaseSource(nameof(MutantCases))]
    public void Every_mutant_is_caught(Mutant mutant, string contract)
    {
        var c = Case(VmmProfiles.FirecrackerArm64);
        ConformanceRunner.Applies(c, mutant).ShouldBeTrue();
        var report = ConformanceRunner.Run(c, mutant);
        report.Violations.Select(v => v.Contract.Id).ShouldContain(contract, report.Console);
    }

    [TestCase("arm64.x1-nonzero", "FAIL x1-x3 not zero")]
    [TestCase("arm64.dtb-bad-magic", "FAIL no FDT magic at x0")]
    [TestCase("arm64.daif-unmasked", "FAIL DAIF not masked")]
    public void The_stub_itself_reports_faults_it_can_see(string mutantId, string line)
    {
        var report = ConformanceRunner.Run(Case(VmmProfiles.FirecrackerArm64), Mutants.Arm64.Single(m => m.Id == mutantId));
        report.Console.ShouldContain(line);
        report.Run!.Value.Reason.ShouldBe(StopReason.Reset);
    }

    [Test]
    public void Missing_bootargs_is_reported_by_the_stub_and_the_advisory_contract()
    {
        // Renames the property in the DTB's strings block: /chosen keeps its value under another name.
        var rename = new Mutant("test.no-bootargs", "bootargs renamed", GuestArchitecture.Arm64, _ => true, b =>
        {
            var blob = b.Guest.BootStructure;
            var at = blob.AsSpan().IndexOf("bootargs\0"u8);
            b.Memory.WriteU8(b.Dtb + (ulong)at + 7, (byte)'z');
        });
        var report = ConformanceRunner.Run(Case(VmmProfiles.FirecrackerArm64), rename);
        report.Console.ShouldContain("FAIL no /chosen/bootargs");
        var advisory = report.Results.Single(r => r.Contract.Id == "arm64.chosen-bootargs");
        advisory.Verdict.ShouldBe(ContractVerdict.Fail);
        advisory.IsViolation.ShouldBeFalse();
    }
}
