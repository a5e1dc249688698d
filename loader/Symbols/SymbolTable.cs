namespace LoaderHarness.Loader.Symbols;

/// <summary>
/// A kernel's symbols, sorted by address: name → address for stop points and readback, and address →
/// name for traces and reports (<c>start_kernel</c>, <c>__startup_64+0x2c</c>).
/// <para>
/// A table recovered from kallsyms is lazy: it holds the addresses and the still-compressed names
/// (<see cref="KallsymsNameSource"/>) and decodes a name only when a lookup needs it, so a run that asks for
/// a handful of symbols pays for a handful. Lazy and eager tables answer every question identically;
/// <see cref="Symbols"/> decodes everything on first use.
/// </para>
/// </summary>
public sealed class SymbolTable
{
    private readonly ulong[] _addresses;
    private readonly KallsymsNameSource? _names;
    private KernelSymbol[]? _byAddress;
    private Dictionary<string, int>? _byName;
    private readonly Dictionary<string, int> _looked = [];
    private readonly Lock _gate = new();

    /// <summary>Builds a table; the symbols may come in any order (a stable sort by address keeps aliases in input order).</summary>
    public SymbolTable(IEnumerable<KernelSymbol> symbols)
    {
        _byAddress = [.. symbols.OrderBy(s => s.Address)];
        _addresses = new ulong[_byAddress.Length];
        _byName = [];
        for (var i = 0; i < _byAddress.Length; i++)
        {
            var s = _byAddress[i];
            _addresses[i] = s.Address;
            // A name can repeat (static functions in several files): keep the global one, else the first.
            if (!_byName.TryGetValue(s.Name, out var seen) || (!_byAddress[seen].IsGlobal && s.IsGlobal))
                _byName[s.Name] = i;
        }
    }

    /// <summary>
    /// A lazy table over kallsyms: <paramref name="addresses"/> in kallsyms order with <paramref name="names"/>.
    /// kallsyms is written sorted by address (scripts/kallsyms.c <c>sort_symbols</c>); a table that is not is
    /// decoded and sorted at once instead.
    /// </summary>
    internal SymbolTable(ulong[] addresses, KallsymsNameSource names)
    {
        for (var i = 1; i < addresses.Length; i++)
        {
            if (addresses[i] < addresses[i - 1])
            {
                var eager = new SymbolTable(names.All().Select((n, k) => new KernelSymbol(addresses[k], n.Type, n.Name)));
                (_addresses, _byAddress, _byName) = (eager._addresses, eager._byAddress, eager._byName);
                return;
            }
        }
        _addresses = addresses;
        _names = names;
    }

    /// <summary>The addresses in address order (for <see cref="SymbolTableFile"/>).</summary>
    internal ulong[] Addresses => _addresses;

    /// <summary>The still-compressed names of a lazy table, or null for an eager one (for <see cref="SymbolTableFile"/>).</summary>
    internal KallsymsNameSource? LazyNames => _names;

    /// <summary>How many symbols the table holds.</summary>
    public int Count => _addresses.Length;

    /// <summary>The symbol at position <paramref name="index"/> in address order (a lazy table decodes just its name).</summary>
    public KernelSymbol this[int index] => At(index);

    /// <summary>Every symbol, sorted by address (a lazy table decodes every name the first time).</summary>
    public IReadOnlyList<KernelSymbol> Symbols => All();

    /// <summary>The symbol called <paramref name="name"/> (the global one when the name repeats).</summary>
    public bool TryGet(string name, out KernelSymbol symbol)
    {
        var i = IndexOf(name);
        symbol = i < 0 ? default : At(i);
        return i >= 0;
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
        return i < 0 ? null : At(i).Name;
    }

    /// <summary>
    /// The symbol at or below <paramref name="address"/> and the distance into it (absolute symbols are
    /// not places and never contain anything), or null below the first symbol.
    /// </summary>
    public (KernelSymbol Symbol, ulong Offset)? Containing(ulong address)
    {
        var i = UpperBound(address) - 1;
        while (i >= 0 && At(i).IsAbsolute)
            i--;
        if (i < 0)
            return null;
        var start = _addresses[i];
        return (At(BestAlias(start)), address - start);
    }

    /// <summary><c>name</c>, <c>name+0x1c</c>, or the bare address in hex when no symbol contains it.</summary>
    public string Describe(ulong address) => Containing(address) switch
    {
        ({ } s, 0) => s.Name,
        ({ } s, var offset) => $"{s.Name}+0x{offset:x}",
        null => $"0x{address:x}",
    };

    /// <summary>The symbol at sorted position <paramref name="i"/>, decoding only its name in a lazy table.</summary>
    private KernelSymbol At(int i)
    {
        if (_byAddress is { } all)
            return all[i];
        var (type, name) = _names!.Get(i);
        return new KernelSymbol(_addresses[i], type, name);
    }

    private KernelSymbol[] All()
    {
        if (_byAddress is { } all)
            return all;
        lock (_gate)
        {
            if (_byAddress is not null)
                return _byAddress;
            var symbols = new KernelSymbol[_addresses.Length];
            var i = 0;
            foreach (var (type, name) in _names!.All())
            {
                symbols[i] = new KernelSymbol(_addresses[i], type, name);
                i++;
            }
            return _byAddress = symbols;
        }
    }

    /// <summary>Position of <paramref name="name"/>: the first global one in address order, else the first; -1 if absent.</summary>
    private int IndexOf(string name)
    {
        if (_byName is { } byName)
            return byName.TryGetValue(name, out var found) ? found : -1;
        lock (_gate)
        {
            if (_looked.TryGetValue(name, out var known))
                return known;
            var best = -1;
            foreach (var i in _names!.IndicesOf(name))
            {
                // The eager rule, replayed in address order: a later global one replaces a non-global first.
                if (best < 0 || (!At(best).IsGlobal && At(i).IsGlobal))
                    best = i;
            }
            _looked[name] = best;
            return best;
        }
    }

    /// <summary>Index of the preferred non-absolute symbol starting at <paramref name="address"/>, or -1.</summary>
    private int BestAlias(ulong address)
    {
        var best = -1;
        var bestRank = int.MaxValue;
        for (var i = LowerBound(address); i < _addresses.Length && _addresses[i] == address; i++)
        {
            var s = At(i);
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
