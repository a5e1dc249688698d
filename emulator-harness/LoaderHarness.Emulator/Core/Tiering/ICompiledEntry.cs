namespace LoaderHarness.Emulator.Core.Tiering;

/// <summary>
/// What <see cref="CompiledBlockCache{TBlock}.ForEntries{TEntry}"/> needs of an engine's decoded entry: forgetting the
/// compiled block that started there. Used only as a generic constraint, at eviction, never per instruction.
/// </summary>
internal interface ICompiledEntry
{
    /// <summary>Drops the handle of the compiled block starting here and its heat, so the entry counts afresh.</summary>
    void ForgetCompiled();
}
