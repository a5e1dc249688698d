namespace LoaderHarness.Emulator.X86;

/// <summary>
/// RDRAND and RDSEED. Off until <see cref="EnableRandom"/>: CPUID then says absent and both raise #UD, as
/// on a CPU without them. Once enabled they draw from a seeded SplitMix64 generator, so a run (KASLR's
/// choice, for one) is the same for the same seed.
/// </summary>
public sealed partial class X86Cpu
{
    private ulong _randomState;

    /// <summary>Whether RDRAND and RDSEED exist (CPUID.1:ECX[30], CPUID.(7,0):EBX[18]).</summary>
    public bool RandomEnabled { get; private set; }

    /// <summary>Makes RDRAND and RDSEED exist, advertised in CPUID, drawing from a generator seeded with <paramref name="seed"/>.</summary>
    public void EnableRandom(ulong seed)
    {
        _randomState = seed;
        RandomEnabled = true;
        var basic = CpuId.Query(1, 0);
        CpuId.Set(1, basic with { Ecx = basic.Ecx | (1u << 30) });
        var extended = CpuId.Query(7, 0);
        CpuId.Set(7, 0, extended with { Ebx = extended.Ebx | (1u << 18) });
    }

    /// <summary>The generator's next value (SplitMix64: Steele, Lea, Flood, "Fast splittable pseudorandom number generators", 2014).</summary>
    internal ulong NextRandom()
    {
        var z = _randomState += 0x9E37_79B9_7F4A_7C15;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EB;
        return z ^ (z >> 31);
    }
}
