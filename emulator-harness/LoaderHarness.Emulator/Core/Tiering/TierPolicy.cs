namespace LoaderHarness.Emulator.Core.Tiering;

/// <summary>When code counts as hot: the defaults both engines use.</summary>
public static class TierPolicy
{
    /// <summary>
    /// Executions of an entry before it is compiled. Translating a block and JIT-compiling its IL costs a few
    /// milliseconds, what interpreting some hundred thousand instructions does; with 1,000 a kernel boot to
    /// its first console line compiled about 1,200 warm blocks and ran slower than the interpreter, with
    /// 10,000 it runs faster, so only code that really loops is compiled. A64 used twice this while its blocks cost
    /// more JIT time; once slow paths stopped writing the block's state back, Debian's 6.1 arm64 Image reached /init
    /// in a median 3.38 s at 10,000 against 3.87 s at 20,000 (ten runs each, alternated). Lower did not pay on either
    /// engine once the background compiler built the newest request first: at 5,000 the x86 boot to /init interpreted
    /// 217 M instructions instead of 252 M in the same time (4.44 s against 4.46 s), the lz4 bzImage's engine time rose
    /// from 0.274 s to 0.342 s (its hot loop split into blocks entered four times as often), and arm64 to /init took
    /// 3.49 s at 5,000 and 3.51 s at 3,000 against 3.50 s (medians of six alternated runs).
    /// </summary>
    public const int DefaultThreshold = 10000;

    /// <summary>
    /// <see cref="DefaultThreshold"/> for both engines where they compile to host code (the NativeAOT executable, which has
    /// no JIT): a block costs about a tenth of a millisecond to make there, many times less than RyuJIT takes, so warm
    /// code pays sooner. Debian's 6.1 arm64 Image to /init and power-off, native: 2.10 s at 10,000, 1.66 s at 1,000,
    /// 1.57 s at 250 and 1.58 s at 100 (373, 1,850, 3,430 and 4,837 blocks; 134 M, 44 M, 24 M and 18 M instructions
    /// interpreted of 883 M). Debian's 6.1 cloud vmlinux through PVH to /init: 2.95–3.16 s of engine time at 2,000 against
    /// 3.44–3.56 s at 10,000 (2,036 blocks instead of 992); once host code's links survived interrupts, 2.22–2.25 s at 1,000
    /// against 2.29–2.33 s at 2,000 and 2.22–2.27 s at 500 (2,622, 2,050 and 3,179 blocks); its first console line, the xz
    /// and the lz4 bzImage within their spread at each. Once a second core made host code in the background, the same
    /// boot's engine time was 1.72–1.74 s at 250 against 1.74–1.76 s at 500, 1.75–1.78 s at 100 and 1.83–1.84 s at 50
    /// (about 2,880, 2,210, 3,780 and 4,380 blocks), and 1.86–1.88 s at 1,000 made on the CPU's thread.
    /// </summary>
    public const int HostCodeThreshold = 250;

    /// <summary>
    /// Instructions a CPU must have retired for each guest instruction it compiles. Translating a block and
    /// JIT-compiling its IL costs about what interpreting thousands of instructions per guest instruction in it does
    /// (a block of 128 instructions took 0.1-0.3 s), so with this ratio the compile time stays about what the retired
    /// instructions took to interpret. Without it, cold code that reached a low threshold compiled block after block:
    /// a 10,000-instruction fault loop at threshold 2 took 0.5-1.2 s against 1-80 ms interpreted. At the default
    /// threshold it seldom binds: a kernel boot retires millions of instructions before its first entry gets hot.
    /// </summary>
    public const int DefaultCompileBudget = 2000;

    /// <summary>
    /// Most instructions of a compiled block whose code another block's discovery takes in rather than ending at its
    /// entry. Discovery ends at a larger block's entry, so that code is JIT-compiled once and the chain goes on into it:
    /// the generic kernel's xz decoder compiled 22,867 instructions for 1,372 distinct ones when every x86 block took in
    /// all it reached. A small block is taken in all the same, because entering it costs more than its copy: the
    /// decoder's match copy loop, 18 instructions, ran as its own block between two others 3.5 M times.
    /// </summary>
    public const int InlinedBlockLimit = 24;

    /// <summary>
    /// Whether a CPU that has compiled (or tried to compile) <paramref name="compiledInstructions"/> guest instructions
    /// and retired <paramref name="retired"/> may translate another block of at most <paramref name="blockLimit"/>
    /// instructions under <paramref name="budget"/> (instructions retired per instruction compiled; 0 for no limit).
    /// The next block is paid for at its largest before it is compiled, so no run compiles more than its work pays for.
    /// </summary>
    public static bool MayCompile(ulong compiledInstructions, ulong retired, int budget, int blockLimit)
        => budget <= 0 || (compiledInstructions + (ulong)blockLimit) * (ulong)budget <= retired;
}
