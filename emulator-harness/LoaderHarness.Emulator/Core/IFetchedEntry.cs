namespace LoaderHarness.Emulator.Core;

/// <summary>What <see cref="FetchCursor{TEntry}"/> needs of an engine's decoded entry, used only as a generic constraint.</summary>
internal interface IFetchedEntry
{
    /// <summary>Whether execution must stop before this instruction (a breakpoint or stop address): a chain never enters it.</summary>
    bool IsStopPoint { get; }
}
