using Iced.Intel;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// Feeds Iced's decoder from guest memory: straight from the host page while inside it, then through a
/// callback that translates (and may fault on) the following page. Remembers the first bytes so the
/// engine can read the prefixes.
/// </summary>
internal sealed unsafe class GuestCodeReader : CodeReader
{
    private byte* _page;
    private int _offset;
    private ulong _nextLinear;
    private Func<ulong, int>? _slowFetch;

    /// <summary>The bytes read so far for the current instruction (at most 15 are meaningful).</summary>
    public readonly byte[] Bytes = new byte[16];

    /// <summary>How many bytes were read for the current instruction.</summary>
    public int Count;

    /// <summary>Starts reading at <paramref name="offset"/> of the host page <paramref name="page"/> (guest linear <paramref name="linear"/>).</summary>
    public void Start(byte* page, int offset, ulong linear, Func<ulong, int> slowFetch)
    {
        _page = page;
        _offset = offset;
        _nextLinear = linear;
        _slowFetch = slowFetch;
        Count = 0;
    }

    /// <inheritdoc/>
    public override int ReadByte()
    {
        int b;
        if (_offset < 4096)
            b = _page[_offset++];
        else
            b = _slowFetch!(_nextLinear);
        _nextLinear++;
        if (b >= 0 && Count < Bytes.Length)
            Bytes[Count++] = (byte)b;
        return b;
    }
}
