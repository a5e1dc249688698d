namespace LoaderHarness.Emulator.Core;

/// <summary>
/// What an interpreter's chain of linked instructions does besides running them (x86 <c>X86Cpu.Chain</c>, arm64
/// <c>Arm64Cpu.Chain</c>): a type parameter, so the chain of the common case is compiled without a test for either.
/// </summary>
internal interface IObservation
{
    /// <summary>Whether the chain reports each instruction to the tracer (and x86's per-instruction hook).</summary>
    static abstract bool Enabled { get; }

    /// <summary>Whether the chain counts each entry's heat and leaves it for its compiled block when it has one or just became hot.</summary>
    static abstract bool Tiered { get; }
}

/// <summary>A traced chain: every instruction reported, none compiled.</summary>
internal struct Observed : IObservation
{
    public static bool Enabled => true;

    public static bool Tiered => false;
}

/// <summary>The interpreter's plain chain.</summary>
internal struct Unobserved : IObservation
{
    public static bool Enabled => false;

    public static bool Tiered => false;
}

/// <summary>The tiered engine's chain: hot entries go to their compiled blocks.</summary>
internal struct TieredUnobserved : IObservation
{
    public static bool Enabled => false;

    public static bool Tiered => true;
}
