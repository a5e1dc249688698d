namespace LoaderHarness.Emulator.Core.Tiering;

/// <summary>What an engine's block cache keeps that host code's links read and feed: its epoch, and its entry counts.</summary>
internal interface IBlockLinkCounts
{
    /// <summary>Moves when a block is evicted, disowned or the cache cleared (<see cref="CompiledBlockCache{TBlock}.Epoch"/>).</summary>
    uint Epoch { get; }

    /// <summary>Entries into compiled code.</summary>
    long Entries { get; set; }

    /// <summary>Entries from another block.</summary>
    long Chained { get; set; }

    /// <summary>Entries by a jump from host code straight into host code.</summary>
    long Linked { get; set; }
}
