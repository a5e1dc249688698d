namespace LoaderHarness.Emulator.Traces;

/// <summary>One executed instruction of a trace and the register state before it.</summary>
/// <param name="Index">Its position in the trace (0-based, after repeated executions of one address are folded).</param>
/// <param name="Line">The 1-based line of the trace file where its record ends.</param>
/// <param name="Pc">Where the instruction is (x86 linear address, arm64 virtual).</param>
/// <param name="Instruction">Its disassembly, when the trace gives it.</param>
/// <param name="Registers">The registers before it, by the trace's lowercase names (rax, rflags, cs.base, cr3, x0, pstate...).</param>
public sealed record TraceRecord(long Index, long Line, ulong Pc, string? Instruction, IReadOnlyDictionary<string, TraceValue> Registers);
