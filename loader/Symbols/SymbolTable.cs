namespace LoaderHarness.Loader.Symbols;

/// <summary>
/// A kernel's symbols, sorted by address: name → address for stop points and readback, and address →
/// name for traces and reports (<c>start_kernel</c>, <c>__startup_64+0x2c</c>).
/// </summary>
public sealed class SymbolTable
{
    private readonly KernelSymbol[] _byAddress;
    private readonly ulong[] _addresses;
    private readonly Dictionary<string, int> _byName = [];

    /// <summary>Builds a table; the symbols may come in any order (a stable sort by address keeps aliases in input order).</summary>
    public SymbolTable(IEnumerable<KernelSymbol> symbols)
    {
        _byAddress = [.. symbols.OrderBy(s => s.Address)];
        _addresses = new ulong[_byAddress.Length];
        for (var i = 0; i < _byAddress.Length; i++)
        {
            var s = _byAddress[i];
            _addresses[i] = s.Address;
            // A name can repeat (static functions in several files): keep the global one, else the first.
            if (!_byName.TryGetValue(s.Name, out var seen) || (!_byAddress[seen].IsGlobal && s.IsGlobal))
                _byName[s.Name] = i;
        }
    }

    /// <summary>How many symbols the table holds.</summary>
    public int Count => _byAddress.Length;

    /// <summary>Every symbol, sorted by address.</summary>
    public IReadOnlyList<KernelSymbol> Symbols => _byAddress;

    /// <summary>The symbol called <paramref name="name"/> (the global one when the name repeats).</summary>
    public bool TryGet(string name, out KernelSymbol symbol)
    {
        if (_byName.TryGetValue(name, out var i))
        {
            symbol = _byAddress[i];
            return true;
        }
        symbol = default;
        return false;
    }

    /// <summary>The address of <paramref name="name"/>, or null if the table does not have it.</summary>
    public ulong? AddressOf(string name) => TryGet(name, out var s) ? s.Address : null;

    /// <summary>
    /// The name of a symbol that starts exactly at <paramref name="address"/>, or null. Among aliases a code
    /// symbol wins, then a name without a leading underscore (<c>startup_64</c> over <c>_text</c>).
    /// </summary>
    public string? NameAt(ulong address)
    {
        var i = BestAlias(address);
        return i < 0 ? null : _byAddress[i].Name;
    }

    /// <summary>
    /// The symbol at or below <paramref name="address"/> and the distance into it (absolute symbols are
    /// not places and never contain anything), or null below the first symbol.
    /// </summary>
    public (KernelSymbol Symbol, ulong Offset)? Containing(ulong address)
    {
        var i = UpperBound(address) - 1;
        while (i >= 0 && _byAddress[i].IsAbsolute)
            i--;
        if (i < 0)
            return null;
        var start = _addresses[i];
        return (_byAddress[BestAlias(start)], address - start);
    }

    /// <summary>Index of the preferred non-absolute symbol starting at <paramref name="address"/>, or -1.</summary>
    private int BestAlias(ulong address)
    {
        var best = -1;
        var bestRank = int.MaxValue;
        for (var i = LowerBound(address); i < _byAddress.Length && _addresses[i] == address; i++)
        {
            var s = _byAddress[i];
            if (s.IsAbsolute)
                continue;
            var rank = (s.IsText ? 0 : 2) + (s.Name.StartsWith('_') ? 1 : 0);
            if (rank < bestRank)
            {
                best = i;
                bestRank = rank;
            }
        }
        return best;
    }

    /// <summary><c>name</c>, <c>name+0x1c</c>, or the bare address in hex when no symbol contains it.</summary>
    public string Describe(ulong address) => Containing(address) switch
    {
        ({ } s, 0) => s.Name,
        ({ } s, var offset) => $"{s.Name}+0x{offset:x}",
        null => $"0x{address:x}",
    };

    /// <summary>First index whose address is ≥ <paramref name="address"/>.</summary>
    private int LowerBound(ulong address)
    {
        int lo = 0, hi = _addresses.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_addresses[mid] < address)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }

    /// <summary>First index whose address is &gt; <paramref name="address"/>.</summary>
    private int UpperBound(ulong address)
    {
        int lo = 0, hi = _addresses.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_addresses[mid] <= address)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }
}
