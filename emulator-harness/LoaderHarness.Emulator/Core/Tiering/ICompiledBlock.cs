namespace LoaderHarness.Emulator.Core.Tiering;

/// <summary>What <see cref="CompiledBlockCache{TBlock}"/> needs of an engine's compiled block.</summary>
internal interface ICompiledBlock
{
    /// <summary>Guest instructions the block was translated from.</summary>
    int InstructionCount { get; }

    /// <summary>The delegate that runs the block, for JIT-compiling its method before its first call (<see cref="BackgroundCompiler{TBlock}"/>).</summary>
    Delegate Code { get; }
}
