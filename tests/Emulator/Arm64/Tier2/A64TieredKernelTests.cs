using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Core.HostCode;
using LoaderHarness.Emulator.Core.Tiering;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64.Tier2;

/// <summary>
/// Debian's real 6.1 arm64 Image booted on both tiers: the tiered engine must stop at the same place after the
/// same number of instructions, with the same console, the same values read back (boot args, FDT pointer,
/// command line) and the same contract verdicts.
/// </summary>
[TestFixture]
[Category("RealKernel")]
[Category("Slow")]
public sealed class A64TieredKernelTests
{
    private const string Cmdline = "console=ttyAMA0 earlycon=pl011,0x09000000";

    [TestCase("start_kernel")]
    [TestCase("console")]
    public void Image_boot_ends_identically_on_both_tiers(string until)
    {
        var expected = Boot(until, EngineTier.Interpreter);
        var actual = Boot(until, EngineTier.Tiered);

        actual.ShouldEndAs(expected);
        TestContext.Out.WriteLine($"{until}: {actual.Instructions:N0} instructions; interpreter {expected.WallTime.TotalSeconds:F2} s, tiered {actual.WallTime.TotalSeconds:F2} s");
    }

    /// <summary>The host-code back end (the native executable's) stops where the interpreter does, after the same count.</summary>
    [TestCase("console")]
    public void Image_boot_with_host_code_ends_as_interpreted(string until)
    {
        if (!ExecutableCode.IsSupported)
            Assert.Ignore("host code runs only on Linux x86-64");
        var expected = Boot(until, EngineTier.Interpreter);
        var actual = Boot(until, EngineTier.Tiered, hostCode: true);

        actual.ShouldEndAs(expected);
        actual.Tiering.Statistics.Retired.ShouldBeGreaterThan(0);
        TestContext.Out.WriteLine($"{until}: {actual.Instructions:N0} instructions; interpreter {expected.WallTime.TotalSeconds:F2} s, host code {actual.WallTime.TotalSeconds:F2} s");
    }

    /// <summary>Compiling on the background thread changes when blocks start running, never what the guest does.</summary>
    [Test]
    public void Image_boot_ends_identically_with_background_and_synchronous_compilation()
    {
        var expected = Boot("console", EngineTier.Tiered);
        var actual = Boot("console", EngineTier.Tiered, compileInBackground: true);

        actual.ShouldEndAs(expected);
        TestContext.Out.WriteLine($"console: {actual.Instructions:N0} instructions; synchronous {expected.WallTime.TotalSeconds:F2} s, background {actual.WallTime.TotalSeconds:F2} s");
    }

    private static BootReport Boot(string until, EngineTier engine, bool compileInBackground = false, bool hostCode = false)
        => KernelBoot.Run(DebianArm64Kernel.Image(), new KernelBootOptions
        {
            Until = until, CommandLine = Cmdline, Engine = engine, CompileInBackground = compileInBackground, HostCodeTier = hostCode,
        });
}
