using System.Text;
using System.Xml;
using System.Xml.Linq;
using LoaderHarness.Emulator.Conformance;
using LoaderHarness.Emulator.Contracts;

namespace LoaderHarness.Cli.Conform;

/// <summary>
/// JUnit XML as CI systems display it: one testsuite per case with one testcase per contract (failures for
/// violations; contracts that do not apply left out, listed in a property, or skipped, as
/// <see cref="JUnitSkipped"/> says), and a "mutants" suite with one testcase per fault. UTF-8 without a
/// byte-order mark, which some dashboards show as a stray character or refuse.
/// </summary>
internal static class ConformJUnit
{
    /// <summary>Writes the report to <paramref name="path"/>.</summary>
    public static void Save(ConformanceResult result, JUnitSkipped skipped, string path)
    {
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), Indent = true };
        using var writer = XmlWriter.Create(path, settings);
        Write(result, skipped).Save(writer);
    }

    /// <summary>The report as a document.</summary>
    public static XDocument Write(ConformanceResult result, JUnitSkipped skipped = JUnitSkipped.Omit)
    {
        var suites = new XElement("testsuites", new XAttribute("name", "loader-harness conform"),
            new XAttribute("time", Seconds(result.Elapsed)));
        foreach (var report in result.Cases)
        {
            var suite = new XElement("testsuite", new XAttribute("name", report.Name), new XAttribute("time", Seconds(report.Elapsed)));
            var notApplicable = report.Results.Where(r => r.Verdict == ContractVerdict.NotApplicable).Select(r => r.Contract.Id).ToList();
            if (skipped == JUnitSkipped.Omit && notApplicable.Count > 0)
                suite.Add(new XElement("properties",
                    new XElement("property", new XAttribute("name", "not-applicable"), new XAttribute("value", string.Join(" ", notApplicable)))));
            if (report.SetupError is { } error)
                suite.Add(TestCase(report.Name, "loader.setup", new XElement("failure", new XAttribute("message", error))));
            foreach (var r in report.Results)
            {
                if (r.Verdict == ContractVerdict.NotApplicable && skipped == JUnitSkipped.Omit)
                    continue;
                var outcome = r.Verdict switch
                {
                    ContractVerdict.NotApplicable => new XElement("skipped", new XAttribute("message", r.Detail)),
                    ContractVerdict.Fail when r.IsViolation => new XElement("failure", new XAttribute("message", r.Detail), r.Contract.Description),
                    ContractVerdict.Fail => new XElement("system-out", $"advisory: {r.Detail}"),
                    _ => null,
                };
                suite.Add(TestCase(report.Name, r.Contract.Id, outcome));
            }
            Count(suite);
            suites.Add(suite);
        }
        var mutants = new XElement("testsuite", new XAttribute("name", "mutants"));
        foreach (var m in result.Mutants)
            mutants.Add(TestCase("mutants", m.Mutant.Id, m.Caught ? null
                : new XElement("failure", new XAttribute("message", $"not caught in: {string.Join(", ", m.Missed.Select(r => r.Name))}"), m.Mutant.Description)));
        Count(mutants);
        suites.Add(mutants);
        return new XDocument(new XDeclaration("1.0", "utf-8", null), suites);
    }

    private static XElement TestCase(string className, string name, XElement? outcome)
    {
        var testCase = new XElement("testcase", new XAttribute("classname", className), new XAttribute("name", name));
        if (outcome is not null)
            testCase.Add(outcome);
        return testCase;
    }

    private static void Count(XElement suite)
    {
        var cases = suite.Elements("testcase").ToList();
        suite.Add(new XAttribute("tests", cases.Count),
            new XAttribute("failures", cases.Count(c => c.Element("failure") is not null)),
            new XAttribute("skipped", cases.Count(c => c.Element("skipped") is not null)));
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture);
}
