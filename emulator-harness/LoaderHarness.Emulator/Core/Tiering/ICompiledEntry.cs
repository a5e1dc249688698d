namespace LoaderHarness.Emulator.Core.Tiering;

/// <summary>
/// What <see cref="CompiledBlockCache{TBlock}"/> needs of an engine's decoded entry: the handle of the compiled block that
/// starts there, and forgetting it. Used only as a generic constraint, at installation and eviction, never per instruction.
/// </summary>
internal interface ICompiledEntry
{
    /// <summary>The handle of the compiled block starting here (≥ 1), 0 for none yet, −1 when its translation was refused.</summary>
    int CompiledHandle { get; set; }

    /// <summary>Drops the handle of the compiled block starting here and its heat, so the entry counts afresh.</summary>
    void ForgetCompiled();
}
