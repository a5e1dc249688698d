namespace LoaderHarness.Emulator.Core.Tiering;

/// <summary>When code counts as hot: the defaults both engines use.</summary>
public static class TierPolicy
{
    /// <summary>
    /// Executions of an entry before it is compiled. Translating a block and JIT-compiling its IL costs a few
    /// milliseconds, what interpreting some hundred thousand instructions does; with 1,000 a kernel boot to
    /// its first console line compiled about 1,200 warm blocks and ran slower than the interpreter, with
    /// 10,000 it runs faster, so only code that really loops is compiled.
    /// </summary>
    public const int DefaultThreshold = 10000;
}
