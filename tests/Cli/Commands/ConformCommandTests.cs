using System.Text.Json.Nodes;
using System.Xml.Linq;
using LoaderHarness.Cli;
using LoaderHarness.Tests.Cli.Output;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Cli.Commands;

/// <summary><c>conform</c> end to end: the default run, its reports, a faulty kernel, bad input.</summary>
[TestFixture]
public sealed class ConformCommandTests : CliTestFixture
{
    [Test]
    public void Mutants_that_apply_to_no_case_are_neither_caught_nor_missed()
    {
        // A PVH-only run: the zero-page and Linux-entry faults have no case to be injected into.
        var kernel = Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", "vmlinux-pvh.elf");
        var (code, output, _) = Run("conform", "--kernel", kernel, "--protocol", "pvh", "--mutants");
        code.ShouldBe(CliApp.Ok, output);
        output.ShouldNotContain("MISSED");
        output.ShouldNotContain("zp.sentinel");
        output.ShouldContain("6/6 mutants caught");
    }

    [Test]
    public void Default_run_conforms_and_catches_every_mutant()
    {
        var json = Path.Combine(Dir, "report.json");
        var junit = Path.Combine(Dir, "report.xml");
        var (code, output, _) = Run("conform", "--json", json, "--junit", junit);
        code.ShouldBe(CliApp.Ok, output);
        output.ShouldContain("26/26 mutants caught"); // 15 x86 + 11 arm64 seeded faults

        var report = JsonNode.Parse(File.ReadAllText(json))!;
        report["success"]!.GetValue<bool>().ShouldBeTrue();
        var cases = report["cases"]!.AsArray();
        cases.Count.ShouldBe(54); // 8 x86 fixtures × their entries × the profiles offering them (50) + the arm64 stub × 4 profiles
        cases.Select(c => c!["profile"]!.GetValue<string>()).Distinct().Count().ShouldBe(7); // spec-el2 is arm64's own, qemu names both architectures'
        cases.Count(c => c!["protocol"]!.GetValue<string>() == "arm64").ShouldBe(4);
        cases.Count(c => c!["architecture"]!.GetValue<string>() == "arm64").ShouldBe(4);
        report["mutants"]!.AsArray().ShouldAllBe(m => m!["caught"]!.GetValue<bool>());
        // The JSON conventions boot --json shares: lowercase enum values, numbers as numbers (hex only in ...Hex), wallSeconds.
        report["wallSeconds"]!.GetValue<double>().ShouldBeGreaterThan(0);
        var first = cases.First(c => c!["architecture"]!.GetValue<string>() == "x86_64")!;
        first["stopReason"]!.GetValue<string>().ShouldBe("exit-port");
        first["stopPcHex"]!.GetValue<string>().ShouldBe($"0x{first["stopPc"]!.GetValue<ulong>():x}");
        first["instructions"]!.GetValue<ulong>().ShouldBeGreaterThan(0UL);
        first["contracts"]!.AsArray().Select(c => c!["verdict"]!.GetValue<string>()).Distinct()
            .ShouldBeSubsetOf(["pass", "fail", "not-applicable"]);
        first["contracts"]!.AsArray().Select(c => c!["severity"]!.GetValue<string>()).Distinct().ShouldBeSubsetOf(["required", "advisory"]);

        // JUnit: one suite per case with one testcase per contract, plus the mutants suite.
        var suites = XDocument.Load(junit).Root!.Elements("testsuite").ToList();
        suites.Count.ShouldBe(55); // 54 cases + the mutants suite
        suites.Sum(s => (int)s.Attribute("failures")!).ShouldBe(0);
        suites[0].Elements("testcase").Select(t => (string)t.Attribute("name")!).ShouldContain("x86.zp.sentinel");
    }

    [Test]
    public void A_faulty_kernel_fails_with_the_contract_named()
    {
        // The 2.15 fixture with kernel_alignment (0x230) zeroed: what the decompressor would align with.
        var image = File.ReadAllBytes(Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", "bzImage-2.15"));
        image.AsSpan(0x230, 4).Clear();
        var path = Path.Combine(Dir, "bzImage");
        File.WriteAllBytes(path, image);
        var (code, output, _) = Run("conform", "--kernel", path, "--profile", "spec", "--protocol", "Linux64");
        code.ShouldBe(CliApp.CheckFailed);
        output.ShouldContain("x86.zp.kernel-alignment");
        output.ShouldContain("FAIL kernel_alignment"); // the stub's own report agrees
    }

    [Test]
    public void One_architecture_runs_only_its_own_faults()
    {
        var (code, output, _) = Run("conform", "--protocol", "arm64");
        code.ShouldBe(CliApp.Ok, output);
        output.ShouldContain("4/4 cases conform, 11/11 mutants caught");
    }

    [Test]
    [Category("RealKernel")]
    public void A_real_kernel_runs_to_its_first_console_line_with_the_kernel_log_contracts()
    {
        // Debian's 6.1 cloud vmlinux through PVH under Firecracker: not 1 M instructions but to "console" by default.
        var vmlinux = Path.Combine(DebianKernel.Directory(), "vmlinux");
        var json = Path.Combine(Dir, "real.json");
        var (code, output, _) = Run("conform", "--kernel", vmlinux, "--protocol", "pvh", "--profile", "firecracker", "--details", "--json", json);

        code.ShouldBe(CliApp.Ok, output);
        output.ShouldContain("pass x86.run.milestone: reached console");
        output.ShouldContain("x86.log.no-faults");
        output.ShouldContain("n/a  x86.log.init-report: no LOADERHARNESS-INIT line");
        output.ShouldContain("pass x86.run.e820"); // the readback, taken at start_kernel on the way
        output.ShouldContain("Linux version 6.1.");
        JsonNode.Parse(File.ReadAllText(json))!["cases"]!.AsArray().Single()!["instructions"]!.GetValue<ulong>().ShouldBeGreaterThan(1_000_000UL);
        ReportSchemaFile.ShouldMatch(File.ReadAllText(json)); // milestones, until and budget of a real-kernel case too
    }

    [Test]
    [Category("RealKernel")]
    public void A_real_kernel_run_to_shutdown_with_our_initramfs_is_judged_on_our_inits_line_too()
    {
        // Debian's 6.1 cloud arm64 Image under Firecracker's layout: our /init reports our command line and the
        // DTB's one RAM bank; before /init (a run to "console") the contract has nothing to judge.
        var image = Path.Combine(DebianArm64Kernel.Directory(), "Image");
        var initramfs = Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", "initramfs", "initramfs-arm64.cpio");
        var json = Path.Combine(Dir, "init.json");
        var (code, output, _) = Run("conform", "--kernel", image, "--initrd", initramfs, "--profile", "firecracker", "--until", "shutdown", "--json", json);

        code.ShouldBe(CliApp.Ok, output);
        var contracts = JsonNode.Parse(File.ReadAllText(json))!["cases"]!.AsArray().Single()!["contracts"]!.AsArray();
        string Verdict(string id) => contracts.Single(v => v!["id"]!.GetValue<string>() == id)!["verdict"]!.GetValue<string>();
        Verdict("arm64.log.init-report").ShouldBe("pass");
        Verdict("arm64.log.memory").ShouldBe("pass");
        Verdict("arm64.log.initrd").ShouldBe("pass");
        Verdict("arm64.log.earlycon").ShouldBe("pass");
    }

    [Test]
    [Category("RealKernel")]
    public void A_real_kernel_that_never_reaches_its_milestone_fails_and_says_why()
    {
        var vmlinux = Path.Combine(DebianKernel.Directory(), "vmlinux");
        var json = Path.Combine(Dir, "stopped.json");
        var (code, output, _) = Run("conform", "--kernel", vmlinux, "--protocol", "pvh", "--profile", "firecracker", "--until", "start_kernel",
            "--max-instructions", "5000", "--json", json);

        code.ShouldBe(CliApp.CheckFailed, output);
        output.ShouldContain("x86.run.milestone");
        var c = JsonNode.Parse(File.ReadAllText(json))!["cases"]!.AsArray().Single()!;
        ReportSchemaFile.ShouldMatch(File.ReadAllText(json)); // phase and suggestedBudget too
        c["milestone"].ShouldBeNull();
        c["phase"]!.GetValue<string>().ShouldBe("kernel");
        c["suggestedBudget"]!.GetValue<ulong>().ShouldBe(100_000_000UL);
        var verdict = c["contracts"]!.AsArray().Single(v => v!["id"]!.GetValue<string>() == "x86.run.milestone")!;
        verdict["verdict"]!.GetValue<string>().ShouldBe("fail");
        verdict["detail"]!.GetValue<string>().ShouldStartWith("never reached start_kernel: Budget at ");
        verdict["detail"]!.GetValue<string>().ShouldContain("pass --max-instructions 100000000 to go further");
    }

    [Test]
    public void Help_offers_only_the_entries_conform_runs()
    {
        var help = Run("conform", "--help").Out;

        help.ShouldContain("--protocol <auto|pvh|linux64|linux32|linux16|arm64>");
        help.ShouldNotContain("Riscv64", Case.Insensitive);
    }

    [TestCase("--profile", "vmware")]
    [TestCase("--protocol", "riscv64")]
    public void Bad_input_exits_with_two(string option, string value)
    {
        var (code, _, error) = Run("conform", option, value);
        code.ShouldBe(CliApp.BadInput);
        error.ShouldNotBeEmpty();
        // A usage error is one line of its own kind, not a loader error code.
        error.TrimEnd().Split('\n').Length.ShouldBe(1);
        error.ShouldStartWith("error (BadOption): ");
        error.ShouldNotContain("UnsupportedEntry");
    }
}
