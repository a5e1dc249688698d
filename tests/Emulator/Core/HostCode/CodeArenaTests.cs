using LoaderHarness.Emulator.Core.HostCode;
using NUnit.Framework;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Core.HostCode;

/// <summary>
/// Where host code lives: pieces of shared chunks, written through one mapping and run through the other, and a chunk
/// given back once it is full and every block in it was released.
/// </summary>
[TestFixture]
public sealed unsafe class CodeArenaTests
{
    [SetUp]
    public void RequireHost()
    {
        if (!ExecutableCode.IsSupported)
            Assert.Ignore("host code runs only on Linux x86-64");
    }

    /// <summary>MOV EAX, <paramref name="value"/>; RET (SDM Vol. 2B MOV B8+rd id, RET C3), padded with INT3 to <paramref name="length"/>.</summary>
    private static byte[] ReturnOf(int value, int length = 6)
    {
        var code = new byte[length];
        Array.Fill(code, (byte)0xCC);
        code[0] = 0xB8;
        BitConverter.GetBytes(value).CopyTo(code, 1);
        code[5] = 0xC3;
        return code;
    }

    [Test]
    public void Blocks_placed_one_after_another_run_from_their_own_aligned_addresses()
    {
        var arena = new CodeArena(1 << 16);
        var first = arena.Place(ReturnOf(0x1234, 7))!.Value;
        var second = arena.Place(ReturnOf(0x5678))!.Value;

        second.Chunk.ShouldBeSameAs(first.Chunk);
        (second.Entry - first.Entry).ShouldBe(16, "the second starts at the first 16-byte boundary after the first's 7 bytes");
        (first.Entry % 16).ShouldBe(0);
        ((delegate* unmanaged<int>)first.Entry)().ShouldBe(0x1234);
        ((delegate* unmanaged<int>)second.Entry)().ShouldBe(0x5678);
    }

    [Test]
    public void A_full_chunk_is_unmapped_when_its_last_block_is_released_and_the_newest_stays()
    {
        var arena = new CodeArena(4096);
        var old = arena.Place(ReturnOf(1, 3000))!.Value;
        var newer = arena.Place(ReturnOf(2, 3000))!.Value; // does not fit beside the first: a new chunk

        newer.Chunk.ShouldNotBeSameAs(old.Chunk);
        arena.MappedChunks.ShouldBe(2, "the full chunk still holds a block");
        ((delegate* unmanaged<int>)old.Entry)().ShouldBe(1);

        arena.Release(old.Chunk);
        arena.MappedChunks.ShouldBe(1);
        arena.Release(newer.Chunk);
        arena.MappedChunks.ShouldBe(1, "the chunk being filled stays for the next block");
        ((delegate* unmanaged<int>)arena.Place(ReturnOf(3))!.Value.Entry)().ShouldBe(3);
    }

    [Test]
    public void A_block_larger_than_a_chunk_gets_a_chunk_of_its_own()
    {
        var arena = new CodeArena(4096);
        var code = ReturnOf(0x77, 10_000);
        var placed = arena.Place(code)!.Value;

        placed.Chunk.Size.ShouldBe(12_288);
        new ReadOnlySpan<byte>((void*)placed.Entry, code.Length).SequenceEqual(code).ShouldBeTrue();
        ((delegate* unmanaged<int>)placed.Entry)().ShouldBe(0x77);
    }
}
