using System.Text;

namespace LoaderHarness.Loader.Symbols;

/// <summary>
/// kallsyms' compressed names kept as the kernel keeps them, decoded one at a time when asked: a run needs a
/// handful of names (its stop symbol, the few its readback and its report name), not the 100,000-odd strings a
/// full decode allocates. <c>kallsyms_names</c> holds per symbol a length then that many indices into
/// <c>kallsyms_token_table</c>; the expanded name's first character is nm's type letter (scripts/kallsyms.c
/// <c>write_src</c>, kernel/kallsyms.c <c>kallsyms_expand_symbol</c>). A lookup by name compares a hash of
/// each expanded name, computed from per-token hashes in one pass over the compressed bytes, before it decodes
/// any string.
/// </summary>
internal sealed class KallsymsNameSource
{
    private const uint HashMultiplier = 0x0100_0193; // FNV-1's prime, used here as a polynomial multiplier
    private readonly ReadOnlyMemory<byte> _names;
    private readonly byte[][] _tokens;
    private readonly bool _uleb;
    private int[]? _offsets;
    private uint[]? _hashes;
    private readonly Lock _gate = new();

    /// <summary>Keeps a copy of the <paramref name="count"/> compressed names in <paramref name="names"/> and the 256 expanded tokens.</summary>
    public KallsymsNameSource(ReadOnlySpan<byte> names, int count, byte[][] tokens, bool uleb)
        : this(new ReadOnlyMemory<byte>(names.ToArray()), count, tokens, uleb)
    {
    }

    private KallsymsNameSource(ReadOnlyMemory<byte> names, int count, byte[][] tokens, bool uleb)
    {
        _names = names;
        Count = count;
        _tokens = tokens;
        _uleb = uleb;
    }

    /// <summary>
    /// Reads the compressed names in place from <paramref name="names"/> (a mapped cache file), without a copy: the
    /// memory must stay as it is for as long as the source is used.
    /// </summary>
    public static KallsymsNameSource Over(ReadOnlyMemory<byte> names, int count, byte[][] tokens, bool uleb)
        => new(names, count, tokens, uleb);

    /// <summary>How many names there are.</summary>
    public int Count { get; }

    /// <summary>The compressed names as kallsyms_names holds them.</summary>
    public ReadOnlySpan<byte> Compressed => _names.Span;

    /// <summary>The 256 expanded tokens of kallsyms_token_table.</summary>
    public IReadOnlyList<byte[]> Tokens => _tokens;

    /// <summary>Whether name lengths are ULEB128 (6.1+) rather than one byte.</summary>
    public bool Uleb => _uleb;

    /// <summary>
    /// Whether <paramref name="count"/> non-empty names, each inside <paramref name="names"/>, can be read from it:
    /// what makes every later <see cref="Get"/> safe on bytes that did not come from a kernel (a cache file).
    /// </summary>
    public static bool Fits(ReadOnlySpan<byte> names, int count, bool uleb)
    {
        var at = 0;
        for (var i = 0; i < count; i++)
        {
            if (at >= names.Length || (uleb && (names[at] & 0x80) != 0 && at + 1 >= names.Length))
                return false;
            int length = names[at++];
            if (uleb && (length & 0x80) != 0)
                length = (length & 0x7F) | (names[at++] << 7);
            if (length == 0 || length > names.Length - at)
                return false;
            at += length;
        }
        return true;
    }

    /// <summary>Symbol <paramref name="index"/>'s type letter and name (in kallsyms order).</summary>
    public (char Type, string Name) Get(int index)
    {
        var at = Offsets()[index];
        var names = _names.Span;
        var length = ReadLength(names, ref at, _uleb);
        var text = new StringBuilder(32);
        foreach (var t in names.Slice(at, length))
            foreach (var b in _tokens[t])
                text.Append((char)b);
        return (text[0], text.ToString(1, text.Length - 1));
    }

    /// <summary>Every name, in kallsyms order (the eager decode).</summary>
    public IEnumerable<(char Type, string Name)> All()
    {
        for (var i = 0; i < Count; i++)
            yield return Get(i);
    }

    /// <summary>The indices, ascending, of the symbols called <paramref name="name"/> (type letter not included).</summary>
    public List<int> IndicesOf(string name)
    {
        var hashes = Hashes();
        var wanted = Hash(name);
        var found = new List<int>(1);
        for (var i = 0; i < hashes.Length; i++)
        {
            if (hashes[i] == wanted && Get(i).Name == name)
                found.Add(i);
        }
        return found;
    }

    /// <summary>The hash of a name as <see cref="Hashes"/> computes it from tokens: one multiply-add per byte, Latin-1.</summary>
    private static uint Hash(string name)
    {
        var h = 0u;
        foreach (var c in name)
            h = h * HashMultiplier + (byte)c;
        return h;
    }

    private int[] Offsets()
    {
        if (_offsets is { } offsets)
            return offsets;
        lock (_gate)
        {
            if (_offsets is not null)
                return _offsets;
            offsets = new int[Count];
            var names = _names.Span;
            var at = 0;
            for (var i = 0; i < Count; i++)
            {
                offsets[i] = at;
                var length = ReadLength(names, ref at, _uleb);
                at += length;
            }
            return _offsets = offsets;
        }
    }

    /// <summary>Each name's hash without its type letter: per token, h·m^len + hash(token), skipping the first byte of the first token.</summary>
    private uint[] Hashes()
    {
        if (_hashes is { } ready)
            return ready;
        var offsets = Offsets();
        lock (_gate)
        {
            if (_hashes is not null)
                return _hashes;
            var tokenHash = new uint[_tokens.Length];
            var tokenPower = new uint[_tokens.Length];
            for (var t = 0; t < _tokens.Length; t++)
            {
                uint h = 0, p = 1;
                foreach (var b in _tokens[t])
                {
                    h = h * HashMultiplier + b;
                    p *= HashMultiplier;
                }
                tokenHash[t] = h;
                tokenPower[t] = p;
            }
            var hashes = new uint[Count];
            var names = _names.Span;
            for (var i = 0; i < Count; i++)
            {
                var at = offsets[i];
                var length = ReadLength(names, ref at, _uleb);
                if (length == 0)
                    continue;
                // The first token starts with the type letter: hash the rest of it byte by byte.
                var first = _tokens[names[at]];
                var h = 0u;
                for (var k = 1; k < first.Length; k++)
                    h = h * HashMultiplier + first[k];
                for (var j = 1; j < length; j++)
                {
                    var t = names[at + j];
                    h = h * tokenPower[t] + tokenHash[t];
                }
                hashes[i] = h;
            }
            return _hashes = hashes;
        }
    }

    /// <summary>A name's length: ULEB128 of up to two bytes (6.1+), or one byte before (see <see cref="KallsymsNames"/>).</summary>
    private static int ReadLength(ReadOnlySpan<byte> s, ref int at, bool uleb)
    {
        int length = s[at++];
        if (uleb && (length & 0x80) != 0)
            length = (length & 0x7F) | (s[at++] << 7);
        return length;
    }
}
