namespace LoaderHarness.Emulator.Core.Tiering;

/// <summary>When code counts as hot: the defaults both engines use.</summary>
public static class TierPolicy
{
    /// <summary>
    /// Executions of an entry before it is compiled. Translation and JIT cost roughly what interpreting a
    /// few thousand instructions does, so run-once code (most of a boot's early setup) is never compiled.
    /// </summary>
    public const int DefaultThreshold = 1000;
}
