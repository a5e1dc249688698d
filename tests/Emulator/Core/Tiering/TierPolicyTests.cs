using LoaderHarness.Emulator.Core.Tiering;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Core.Tiering;

/// <summary>The compile budget: compiled guest instructions stay proportional to the instructions retired.</summary>
[TestFixture]
public sealed class TierPolicyTests
{
    [Test]
    public void The_first_block_waits_until_the_retired_instructions_pay_for_a_block_of_the_largest_size()
    {
        TierPolicy.MayCompile(compiledInstructions: 0, retired: 128 * 2000 - 1, budget: 2000, blockLimit: 128).ShouldBeFalse();
        TierPolicy.MayCompile(compiledInstructions: 0, retired: 128 * 2000, budget: 2000, blockLimit: 128).ShouldBeTrue();
    }

    [Test]
    public void Each_further_block_waits_for_the_compiled_ones_to_be_paid_too()
    {
        TierPolicy.MayCompile(100, (100 + 128) * 2000 - 1, 2000, 128).ShouldBeFalse();
        TierPolicy.MayCompile(100, (100 + 128) * 2000, 2000, 128).ShouldBeTrue();
    }

    [Test]
    public void A_budget_of_zero_compiles_every_hot_entry()
        => TierPolicy.MayCompile(1_000_000, 0, 0, 128).ShouldBeTrue();
}
