namespace LoaderHarness.Benchmarks.Engine;

/// <summary>The hot-loop guest programs of the engine benchmarks.</summary>
public enum EngineWorkload
{
    /// <summary>ADD/XOR/LEA/SUB/DEC/JNZ on registers only.</summary>
    IntegerLoop,
    /// <summary>REP MOVSB of 64 KiB, as an ERMS memcpy.</summary>
    RepMovs,
    /// <summary>A byte-at-a-time copy loop of 64 KiB.</summary>
    ByteCopy,
    /// <summary>One load and one store in each of 4096 distinct 4 KiB pages per pass: every access misses the TLB.</summary>
    Paging,
    /// <summary>Two nested near CALL/RET pairs per iteration.</summary>
    CallRet,
}
