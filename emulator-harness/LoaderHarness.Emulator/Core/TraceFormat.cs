namespace LoaderHarness.Emulator.Core;

/// <summary>How a <see cref="Tracer"/> lays out each executed instruction.</summary>
public enum TraceFormat
{
    /// <summary>
    /// One line per instruction (address, encoding, disassembly), preceded by an indented line of the registers
    /// that changed since the previous instruction (all of them before the first).
    /// </summary>
    Iced,

    /// <summary>
    /// QEMU's <c>-d in_asm,cpu</c> log with one instruction per translation block: an <c>IN:</c> block with the
    /// instruction, then the CPU state before it as QEMU's <c>x86_cpu_dump_state</c> / <c>aarch64_cpu_dump_state</c> print it.
    /// </summary>
    Qemu,
}
