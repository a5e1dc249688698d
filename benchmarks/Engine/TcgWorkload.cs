namespace LoaderHarness.Benchmarks.Engine;

/// <summary>The guest loop of a <see cref="TcgBaselineBenchmarks"/> case, the same instructions on both architectures' engines, Unicorn and QEMU.</summary>
public enum TcgWorkload
{
    /// <summary>Registers only. x86: <see cref="EngineWorkload.IntegerLoop"/>; A64: ADD, EOR (shifted), SUBS, B.NE.</summary>
    IntegerLoop,

    /// <summary>
    /// A byte-at-a-time copy of 64 KiB through guest memory, repeated: a load, a store, pointer increments and a
    /// flag-setting down-count per byte. x86: <see cref="EngineWorkload.ByteCopy"/> (MOV, MOV, INC, INC, DEC, JNZ);
    /// A64: LDRB and STRB with post-index, SUBS, B.NE.
    /// </summary>
    ByteCopy,
}
