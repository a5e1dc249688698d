namespace LoaderHarness.Emulator.X86;

/// <summary>
/// The instruction that straddles a page boundary has no slot in either page's decoded code, so it was
/// decoded again every time it ran. In a hot loop (the kernel's xz decompressor has one at a page end) that
/// decode costs more than the rest of the loop. The last such instruction is remembered with the bytes it
/// was decoded from; the next time the same address is fetched in the same mode the bytes are fetched again,
/// in the same order and through the same translation as the decoder would (so a fault on the second page is
/// raised exactly where decoding raises it), and when they are equal the decoding is reused.
/// </summary>
public sealed unsafe partial class X86Cpu
{
    private readonly byte[] _straddleBytes = new byte[16];
    private DecodedInstruction _straddle;
    private ulong _straddleRip = ulong.MaxValue;
    private ulong _straddleLinear;
    private ulong _straddleLimit;
    private int _straddleCount;
    private int _straddleBitness;

    /// <summary>Whether the instruction at <paramref name="linear"/> (page offset <paramref name="offset"/>) is the straddling one remembered, with the same bytes; if so it is copied to <see cref="_scratch"/>.</summary>
    private bool TryReuseStraddler(ulong linear, int offset)
    {
        if (Rip != _straddleRip || linear != _straddleLinear || Bitness != _straddleBitness || _fetchLimit != _straddleLimit)
            return false;
        var count = _straddleCount;
        var inPage = 4096 - offset;
        for (var k = 0; k < count; k++)
        {
            var b = k < inPage ? _fetch.Host[offset + k] : FetchByteSlow(linear + (ulong)k);
            if (b != _straddleBytes[k])
                return false;
        }
        _scratch = _straddle;
        Array.Copy(_straddleBytes, _reader.Bytes, count);
        _reader.Count = count;
        return true;
    }

    /// <summary>Remembers the straddling instruction just decoded into <see cref="_scratch"/> from the reader's bytes.</summary>
    private void RememberStraddler(ulong linear)
    {
        _straddle = _scratch;
        _straddleRip = Rip;
        _straddleLinear = linear;
        _straddleLimit = _fetchLimit;
        _straddleBitness = Bitness;
        _straddleCount = _reader.Count;
        Array.Copy(_reader.Bytes, _straddleBytes, _reader.Count);
    }
}
