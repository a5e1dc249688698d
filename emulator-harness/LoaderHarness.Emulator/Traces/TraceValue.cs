namespace LoaderHarness.Emulator.Traces;

/// <summary>A register value as a trace printed it: the number and how many bits the trace showed (32 for QEMU's EAX-style dump).</summary>
/// <param name="Value">The value.</param>
/// <param name="Bits">How many low bits the trace shows (4 per hex digit printed, at most 64).</param>
public readonly record struct TraceValue(ulong Value, int Bits)
{
    /// <summary>Whether two traces agree on the bits both of them show.</summary>
    public bool SameAs(TraceValue other)
    {
        var bits = Math.Min(Bits, other.Bits);
        var mask = bits >= 64 ? ulong.MaxValue : (1UL << bits) - 1;
        return (Value & mask) == (other.Value & mask);
    }

    /// <summary>The value in hex, as many digits as the trace showed.</summary>
    public override string ToString() => Value.ToString("x" + Math.Max(1, Bits / 4), System.Globalization.CultureInfo.InvariantCulture);
}
