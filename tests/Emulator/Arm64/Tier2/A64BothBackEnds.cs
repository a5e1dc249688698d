using LoaderHarness.Emulator.Core.HostCode;

namespace LoaderHarness.Tests.Emulator.Arm64.Tier2;

/// <summary>
/// A fixture run once for each back end of the A64 compiling tier, as x86's (<c>X86.Tier2.BothBackEnds</c>): IL for the
/// JIT, and host code (the native executable's) where it can run, Linux on x86-64.
/// </summary>
/// <param name="hostCode">Whether the tiered machine of each pair compiles to host code.</param>
[TestFixture(false)]
[TestFixture(true)]
public abstract class A64BothBackEnds(bool hostCode)
{
    [SetUp]
    public void OnlyWhereHostCodeRuns()
    {
        if (hostCode && !ExecutableCode.IsSupported)
            Assert.Ignore("host code runs only on Linux x86-64");
    }

    /// <summary>Whether this fixture's tiered machines compile to host code.</summary>
    private protected bool HostCode => hostCode;

    /// <summary>A pair whose tiered machine compiles to this fixture's back end at <paramref name="threshold"/>.</summary>
    private protected A64TierPair Pair(int threshold)
    {
        var pair = new A64TierPair(threshold);
        pair.Tiered.Cpu.HostCodeTier = hostCode;
        return pair;
    }
}
