using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Core.Tiering;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Tests.Emulator.Boot;
using LoaderHarness.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// Debian's real 6.1 kernel booted through PVH on both tiers: the tiered engine must stop at the same place
/// after the same number of instructions, with the same console and the same values read back from the
/// kernel's memory (boot_params, command line) and the same contract verdicts.
/// </summary>
[TestFixture]
[Category("RealKernel")]
[Category("Slow")]
public sealed class TieredKernelTests
{
    private const string Cmdline = "console=ttyS0 nokaslr panic=-1";

    [TestCase("start_kernel")]
    [TestCase("console")]
    public void Pvh_boot_ends_identically_on_both_tiers(string until)
    {
        var expected = Boot(until, EngineTier.Interpreter);
        var actual = Boot(until, EngineTier.Tiered);

        actual.ShouldEndAs(expected);
        TestContext.Out.WriteLine($"{until}: {actual.Instructions:N0} instructions; interpreter {expected.WallTime.TotalSeconds:F2} s, tiered {actual.WallTime.TotalSeconds:F2} s");
    }

    /// <summary>
    /// Compiling on the background thread changes when blocks start running, never what the guest does: the boot to the
    /// first console line ends as with synchronous compilation.
    /// </summary>
    [Test]
    public void Pvh_boot_ends_identically_with_background_and_synchronous_compilation()
    {
        var expected = Boot("console", EngineTier.Tiered);
        var actual = Boot("console", EngineTier.Tiered, compileInBackground: true);

        actual.ShouldEndAs(expected);
        TestContext.Out.WriteLine($"console: {actual.Instructions:N0} instructions; synchronous {expected.WallTime.TotalSeconds:F2} s, background {actual.WallTime.TotalSeconds:F2} s");
    }

    /// <summary>
    /// The cloud bzImage through its own (lz4) decompressor in long mode to start_kernel: the decompressor's
    /// loops run compiled and chained, the tiers must agree on the stop, the count and the readback.
    /// </summary>
    [Test]
    public void Bzimage_through_its_decompressor_ends_identically_on_both_tiers()
    {
        var expected = BootBzImage(EngineTier.Interpreter);
        var actual = BootBzImage(EngineTier.Tiered);

        actual.ShouldEndAs(expected);
        TestContext.Out.WriteLine($"bzImage to start_kernel: {actual.Instructions:N0} instructions; interpreter {expected.WallTime.TotalSeconds:F2} s, tiered {actual.WallTime.TotalSeconds:F2} s");
    }

    private static BootReport BootBzImage(EngineTier engine)
        => DebianBoot.Boot(new GuestSetupRequest { Kernel = KernelImage.Parse(DebianBoot.BzImage), Initrd = DebianBoot.Initrd, CommandLine = Cmdline },
            engine: engine).Report;

    private static BootReport Boot(string until, EngineTier engine, bool compileInBackground = false)
        => DebianBoot.Boot(new GuestSetupRequest { Kernel = KernelImage.Parse(DebianBoot.Vmlinux), Initrd = DebianBoot.Initrd, CommandLine = Cmdline },
            until: until, engine: engine, compileInBackground: compileInBackground).Report;
}
