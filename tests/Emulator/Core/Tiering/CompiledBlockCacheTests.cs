using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Core.Tiering;

/// <summary>The cache of compiled blocks grows as blocks come, holds up to its capacity and then evicts, whatever its starting size.</summary>
[TestFixture]
public sealed class CompiledBlockCacheTests
{
    private sealed class Block(int instructions) : ICompiledBlock
    {
        public int InstructionCount => instructions;
        public Delegate Code { get; } = () => { };
    }

    [Test]
    public void Blocks_past_the_first_allocation_keep_their_handles_until_the_capacity_then_one_is_evicted()
    {
        var cache = new CompiledBlockCache<Block>(300);
        var page = new CodePage<int>();
        var blocks = Enumerable.Range(1, 300).Select(i => new Block(i)).ToArray();

        var handles = blocks.Select((b, i) => cache.Add(b, page, i + 1)).ToArray();

        cache.Capacity.ShouldBe(300);
        cache.Count.ShouldBe(300);
        for (var i = 0; i < blocks.Length; i++)
            cache.Get(handles[i], page, i + 1).ShouldBeSameAs(blocks[i]);
        cache.GuestInstructions.ShouldBe(300L * 301 / 2);

        cache.Add(new Block(1), page, 301);

        cache.Count.ShouldBe(300);
        cache.Evicted.ShouldBe(1);
    }
}
