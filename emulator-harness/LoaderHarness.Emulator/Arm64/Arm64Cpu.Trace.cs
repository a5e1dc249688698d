using System.Globalization;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// The register state a trace shows before each instruction: QEMU 7.2's <c>-d cpu</c> dump for AArch64
/// (target/arm/cpu.c aarch64_cpu_dump_state without CPU_DUMP_FPU) and the same values by name for the Iced
/// layout. Only called while tracing.
/// </summary>
public sealed unsafe partial class Arm64Cpu : ITraceState
{
    private static readonly string[] TraceNames = [.. Enumerable.Range(0, 31).Select(i => $"x{i}"), "sp", "pstate"];

    /// <inheritdoc/>
    IReadOnlyList<string> ITraceState.Names => TraceNames;

    /// <inheritdoc/>
    bool ITraceState.WordEncoding => true;

    /// <inheritdoc/>
    void ITraceState.Capture(ulong[] values)
    {
        for (var i = 0; i < 31; i++)
            values[i] = R[i];
        values[31] = R[Sp];
        values[32] = GetPstate();
    }

    /// <summary>
    /// <c> PC=</c>, X00–X30 three to a line and <c> SP=</c> (the stack pointer in use), then
    /// <c>PSTATE=%08x NZCV ELnh|t</c>. No <c>NS</c>/<c>S</c> security state: the virt board without
    /// <c>secure=on</c> has no EL3, nor does this engine; no BTYPE (no FEAT_BTI here).
    /// </summary>
    void ITraceState.WriteQemu(TextWriter o)
    {
        var c = CultureInfo.InvariantCulture;
        o.Write(string.Create(c, $" PC={Pc:x16} "));
        for (var i = 0; i < 31; i++)
            o.Write(string.Create(c, $"X{i:d2}={R[i]:x16}{((i + 2) % 3 != 0 ? " " : "\n")}"));
        o.WriteLine(string.Create(c, $" SP={R[Sp]:x16}"));
        var psr = GetPstate();
        o.WriteLine(string.Create(c,
            $"PSTATE={(uint)psr:x8} {((psr & (1UL << 31)) != 0 ? 'N' : '-')}{((psr & (1UL << 30)) != 0 ? 'Z' : '-')}{((psr & (1UL << 29)) != 0 ? 'C' : '-')}{((psr & (1UL << 28)) != 0 ? 'V' : '-')} EL{ExceptionLevel}{(SpSel ? 'h' : 't')}"));
    }
}
