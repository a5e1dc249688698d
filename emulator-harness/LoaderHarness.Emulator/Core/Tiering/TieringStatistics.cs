namespace LoaderHarness.Emulator.Core.Tiering;

/// <summary>What the compiling tier did so far, for benchmarks and reports.</summary>
/// <param name="Compiled">Blocks translated and compiled.</param>
/// <param name="Rejected">Hot entries whose first instruction the translator does not cover (left to the interpreter).</param>
/// <param name="Evicted">Compiled blocks dropped to stay within <paramref name="Capacity"/>.</param>
/// <param name="Resident">Compiled blocks held now.</param>
/// <param name="Capacity">The most compiled blocks held at once.</param>
/// <param name="Entries">Times compiled code was entered.</param>
/// <param name="GuestInstructions">Guest instructions in the compiled blocks held now (their translated size).</param>
/// <param name="Chained">Of <paramref name="Entries"/>, those made straight from another compiled block without the run loop.</param>
/// <param name="Linked">Of <paramref name="Chained"/>, those made by compiled code itself jumping into the next block (host code's link cells).</param>
/// <param name="Retired">Guest instructions retired by compiled code; the rest of a run's were interpreted.</param>
public readonly record struct TieringStatistics(
    long Compiled, long Rejected, long Evicted, int Resident, int Capacity, long Entries, long GuestInstructions, long Chained = 0, long Linked = 0, long Retired = 0);
