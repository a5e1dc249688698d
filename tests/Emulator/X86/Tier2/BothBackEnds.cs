using LoaderHarness.Emulator.Core.HostCode;
using LoaderHarness.Emulator.X86.Tier2.HostCode;
using NUnit.Framework;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// A fixture run once for each back end of the compiling tier: IL for the JIT, and host code (the native executable's)
/// where it can run, Linux on x86-64.
/// </summary>
/// <param name="hostCode">Whether the tiered machine of each pair compiles to host code.</param>
[TestFixture(false)]
[TestFixture(true)]
public abstract class BothBackEnds(bool hostCode)
{
    [SetUp]
    public void OnlyWhereHostCodeRuns()
    {
        if (hostCode && !ExecutableCode.IsSupported)
            Assert.Ignore("host code runs only on Linux x86-64");
    }

    /// <summary><paramref name="pair"/> with its tiered machine compiling to this fixture's back end.</summary>
    private protected TierPair InTier(TierPair pair)
    {
        pair.Tiered.Cpu.HostCodeTier = hostCode;
        return pair;
    }
}
