using System.Xml.Linq;
using LoaderHarness.Cli;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Cli.Commands;

/// <summary>
/// <c>conform</c>'s report files as a CI dashboard reads them: JUnit without a byte-order mark, contracts that
/// do not apply left out (or skipped on request), and report paths checked before the matrix runs.
/// </summary>
[TestFixture]
public sealed class ConformReportFileTests : CliTestFixture
{
    [Test]
    public void Junit_starts_with_the_xml_declaration_not_a_byte_order_mark()
    {
        var junit = Path.Combine(Dir, "conform.xml");

        Run("conform", "--protocol", "pvh", "--junit", junit).Code.ShouldBe(CliApp.Ok);

        var bytes = File.ReadAllBytes(junit);
        bytes[..5].ShouldBe("<?xml"u8.ToArray());
    }

    [Test]
    public void Contracts_that_do_not_apply_are_omitted_by_default_and_listed_in_a_property()
    {
        var junit = Path.Combine(Dir, "conform.xml");

        Run("conform", "--protocol", "pvh", "--junit", junit).Code.ShouldBe(CliApp.Ok);

        var document = XDocument.Load(junit);
        document.Descendants("skipped").ShouldBeEmpty();
        document.Descendants("testsuite").Sum(s => (int)s.Attribute("skipped")!).ShouldBe(0);
        var suite = document.Descendants("testsuite").First();
        var notApplicable = ((string)suite.Element("properties")!.Elements("property").Single(p => (string)p.Attribute("name")! == "not-applicable").Attribute("value")!).Split(' ');
        notApplicable.ShouldContain("x86.zp.sentinel"); // a zero-page contract: no zero page on the PVH entry
        suite.Elements("testcase").Select(t => (string)t.Attribute("name")!).ShouldNotContain("x86.zp.sentinel");
        suite.Elements("testcase").Select(t => (string)t.Attribute("name")!).ShouldContain("x86.pvh.start-info-magic");
    }

    [Test]
    public void Junit_skipped_skip_reports_each_contract_that_does_not_apply_as_skipped()
    {
        var omitted = Path.Combine(Dir, "omit.xml");
        var skipped = Path.Combine(Dir, "skip.xml");

        Run("conform", "--protocol", "pvh", "--junit", omitted).Code.ShouldBe(CliApp.Ok);
        Run("conform", "--protocol", "pvh", "--junit", skipped, "--junit-skipped", "skip").Code.ShouldBe(CliApp.Ok);

        var withSkips = XDocument.Load(skipped);
        var suite = withSkips.Descendants("testsuite").First();
        suite.Elements("testcase").Single(t => (string)t.Attribute("name")! == "x86.zp.sentinel").Element("skipped").ShouldNotBeNull();
        suite.Element("properties").ShouldBeNull();
        var skips = withSkips.Descendants("testsuite").Sum(s => (int)s.Attribute("skipped")!);
        skips.ShouldBeGreaterThan(0);
        // The same run: the skips are exactly the testcases the default leaves out.
        var tests = withSkips.Descendants("testsuite").Sum(s => (int)s.Attribute("tests")!);
        XDocument.Load(omitted).Descendants("testsuite").Sum(s => (int)s.Attribute("tests")!).ShouldBe(tests - skips);
    }

    [Test]
    public void An_unknown_junit_skipped_mode_is_a_usage_error()
    {
        var (code, _, error) = Run("conform", "--junit-skipped", "hide");

        code.ShouldBe(CliApp.BadInput);
        error.ShouldStartWith("error (BadOption): --junit-skipped 'hide': expected omit, skip");
    }

    [TestCase("--junit")]
    [TestCase("--json")]
    public void A_report_path_that_is_a_directory_fails_before_the_run(string option)
    {
        var (code, output, error) = Run("conform", option, Dir);

        code.ShouldBe(CliApp.BadInput);
        error.TrimEnd().Split('\n').Length.ShouldBe(1);
        error.ShouldBe($"error (BadOutputPath): {option} {Dir} is a directory; give a file name\n", StringCompareShould.IgnoreLineEndings);
        output.ShouldBeEmpty(); // nothing ran: no table, no summary
    }

    [TestCase("--junit")]
    [TestCase("--json")]
    public void A_report_path_in_a_missing_folder_fails_before_the_run(string option)
    {
        var path = Path.Combine(Dir, "no-such-folder", "report");

        var (code, output, error) = Run("conform", option, path);

        code.ShouldBe(CliApp.BadInput);
        error.ShouldStartWith($"error (BadOutputPath): {option} {path}: the folder");
        output.ShouldBeEmpty();
    }

    [Test]
    public void Checking_a_report_path_leaves_no_file_behind_when_the_run_fails_later()
    {
        var path = Path.Combine(Dir, "report.json");

        // The profile is refused after the paths are checked: the check must not have created the file.
        Run("conform", "--json", path, "--profile", "vmware").Code.ShouldBe(CliApp.BadInput);

        File.Exists(path).ShouldBeFalse();
    }

    [Test]
    public void Extract_vmlinux_checks_its_output_before_decompressing()
    {
        var (code, _, error) = Run("extract-vmlinux", Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", "bzImage-2.15"), "-o", Dir);

        code.ShouldBe(CliApp.BadInput);
        error.ShouldStartWith($"error (BadOutputPath): --output {Dir} is a directory");
    }
}
