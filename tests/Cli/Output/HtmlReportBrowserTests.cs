using LoaderHarness.Cli;
using LoaderHarness.Tests.Support;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Shouldly;

namespace LoaderHarness.Tests.Cli.Output;

/// <summary>
/// The HTML reports in a real browser: Debian's chromium, headless, driven through chromium-driver by
/// Selenium.WebDriver. Checks what is drawn (the SVG areas have height, the labels are there), not only what
/// the file says. CI installs both packages; elsewhere the test is ignored with the install command.
/// </summary>
[TestFixture]
[Category("Browser")]
public sealed class HtmlReportBrowserTests : CliTestFixture
{
    private ChromeDriver? _browser;

    private ChromeDriver Browser => _browser ??= Start();

    [TearDown]
    public void Quit_browser()
    {
        _browser?.Quit();
        _browser = null;
    }

    [Test]
    public void Boot_report_draws_every_area_of_the_memory_map_with_its_label()
    {
        var path = Path.Combine(Dir, "boot.html");
        Run([.. HtmlReportTests.TinyBoot(WriteFile), "--mem", "4G", "--html", path]).Code.ShouldBe(CliApp.Ok);

        Browser.Navigate().GoToUrl(new Uri(path).AbsoluteUri);

        var map = Browser.FindElement(By.CssSelector("svg.memory-map"));
        map.Displayed.ShouldBeTrue();
        foreach (var kind in new[] { "ram", "mmio-gap", "map-ram", "map-reserved", "kernel", "initrd", "command-line", "boot-structure", "page-tables", "stack" })
        {
            var areas = map.FindElements(By.CssSelector($"g.area.kind-{kind} rect"));
            areas.ShouldNotBeEmpty($"no {kind} area drawn");
            areas.ShouldAllBe(a => a.Size.Height > 0 && a.Size.Width > 0, $"a {kind} area has no size on screen");
        }
        var labels = map.FindElements(By.CssSelector("g.placed-label text")).Select(t => t.Text).ToList();
        foreach (var name in new[] { "kernel", "initrd", "command line", "start_info", "boot page tables", "boot stack" })
            labels.ShouldContain(l => l.StartsWith(name + " "), $"no label for {name} in: {string.Join(" | ", labels)}");
        map.FindElements(By.CssSelector("text.address")).Select(t => t.Text).ShouldContain("0xc0000000"); // where the MMIO gap begins
        // Hover: each area's <title> holds its exact range.
        var initrdTitle = map.FindElement(By.CssSelector("g.area.kind-initrd > title")).GetAttribute("textContent");
        initrdTitle!.ShouldMatch(@"^initrd: \[0x[0-9a-f]+, 0x[0-9a-f]+\), 12 KiB$");
        Browser.FindElements(By.CssSelector("svg.timeline g.milestone circle")).Count.ShouldBe(2); // entry, target
        NothingWasFetched();
        Screenshot("boot-report");
    }

    [Test]
    public void Conform_report_shows_the_matrix_and_opens_a_case_with_its_memory_map()
    {
        var path = Path.Combine(Dir, "conform.html");
        Run("conform", "--protocol", "pvh", "--html", path).Code.ShouldBe(CliApp.Ok);

        Browser.Navigate().GoToUrl(new Uri(path).AbsoluteUri);

        Browser.FindElements(By.CssSelector("table.matrix td.cell .badge.pass")).Count.ShouldBe(5);
        var firstCase = Browser.FindElement(By.CssSelector("details#case-0"));
        firstCase.FindElement(By.CssSelector("svg.memory-map")).Displayed.ShouldBeFalse(); // closed: all cases pass
        Browser.FindElement(By.Id("expand")).Click();
        var map = firstCase.FindElement(By.CssSelector("svg.memory-map"));
        map.Displayed.ShouldBeTrue();
        map.FindElements(By.CssSelector("g.area.kind-boot-structure rect")).ShouldAllBe(r => r.Size.Height > 0);
        map.FindElements(By.CssSelector("g.placed-label text")).Select(t => t.Text).ShouldContain(l => l.StartsWith("start_info "));
        // Each contract's citation is in the catalogue the verdicts link to.
        Browser.FindElement(By.CssSelector("tr#contract-x86\\.pvh\\.start-info-magic cite")).Text.ShouldNotBeNullOrWhiteSpace();
        NothingWasFetched();
        Screenshot("conform-report");
    }

    /// <summary>The report loaded no resource (CSS, script, font, image) from anywhere.</summary>
    private void NothingWasFetched() =>
        Convert.ToInt64(Browser.ExecuteScript("return performance.getEntriesByType('resource').length;")).ShouldBe(0L);

    /// <summary>Keeps a picture of the page with the test results, for a person to look at.</summary>
    private void Screenshot(string name)
    {
        var file = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"{name}.png");
        Browser.Manage().Window.Size = new System.Drawing.Size(1300, 2000);
        Browser.GetScreenshot().SaveAsFile(file);
        TestContext.AddTestAttachment(file);
    }

    /// <summary>Headless Debian chromium through its own chromedriver; Selenium Manager never downloads anything.</summary>
    private static ChromeDriver Start()
    {
        var chromium = Prerequisite.RequireTool("chromium", "chromium chromium-driver");
        var driver = Prerequisite.RequireTool("chromedriver", "chromium chromium-driver");
        var options = new ChromeOptions { BinaryLocation = chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1300,2000");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(driver)!, Path.GetFileName(driver));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }
}
