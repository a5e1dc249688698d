namespace LoaderHarness.Emulator.Core;

/// <summary>
/// The register state a CPU shows its <see cref="Tracer"/> before each traced instruction, in the trace's
/// register names (the names <c>trace-diff</c> reads back). Called only while tracing.
/// </summary>
internal interface ITraceState
{
    /// <summary>Writes the state as QEMU's <c>-d cpu</c> log prints it (several lines).</summary>
    void WriteQemu(TextWriter output);

    /// <summary>Fills <paramref name="values"/> with the current register values, in the order of <see cref="Names"/>.</summary>
    void Capture(ulong[] values);

    /// <summary>The register names of <see cref="Capture"/>, lowercase.</summary>
    IReadOnlyList<string> Names { get; }

    /// <summary>
    /// Whether the encoding is one 32-bit instruction word (arm64), which QEMU's in_asm prints as one
    /// <c>%08x</c> unit, rather than bytes in memory order (x86).
    /// </summary>
    bool WordEncoding => false;
}
