namespace LoaderHarness.Emulator.Core.Tiering;

/// <summary>What <see cref="CompiledBlockCache{TBlock}"/> needs of an engine's compiled block.</summary>
internal interface ICompiledBlock
{
    /// <summary>Guest instructions the block was translated from.</summary>
    int InstructionCount { get; }
}
