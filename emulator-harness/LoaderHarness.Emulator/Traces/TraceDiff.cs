namespace LoaderHarness.Emulator.Traces;

/// <summary>
/// Aligns two instruction traces (this engine's or QEMU's, either layout) and finds the first instruction where
/// they disagree: a different address, or a register both traces show with different values before it (so the
/// instruction before it is the one whose effect differs). Both traces are streamed, not held in memory.
/// </summary>
public static class TraceDiff
{
    /// <summary>
    /// Compares the traces <paramref name="a"/> and <paramref name="b"/> produce; each is enumerated at most
    /// twice (once more to find the default start when the first trace's start is not in the second).
    /// </summary>
    public static TraceDiffResult Compare(Func<IEnumerable<TraceRecord>> a, Func<IEnumerable<TraceRecord>> b, TraceDiffOptions? options = null)
    {
        options ??= new TraceDiffOptions();
        var start = options.From ?? DefaultStart(a, b);
        if (start is not { } from)
            return new TraceDiffResult(null, 0, null, false, false);
        using var ea = SkipTo(a(), from);
        using var eb = SkipTo(b(), from);
        if (ea is null || eb is null)
            return new TraceDiffResult(null, 0, null, ea is null, eb is null);

        var armed = new HashSet<string>(StringComparer.Ordinal);
        var pending = new HashSet<string>(StringComparer.Ordinal);
        TraceRecord? previous = null;
        long agreed = 0;
        var hasA = true;
        var hasB = true;
        while (options.Limit is not { } limit || agreed < limit)
        {
            // SkipTo leaves each enumerator on its start record: the first round uses it as is.
            if (agreed > 0)
            {
                hasA = ea.MoveNext();
                hasB = eb.MoveNext();
            }
            if (!hasA || !hasB)
                break;
            var (ra, rb) = (ea.Current, eb.Current);
            var compared = new List<string>();
            var differing = new List<string>();
            foreach (var (name, va) in ra.Registers)
            {
                if (!rb.Registers.TryGetValue(name, out var vb) || Matches(options.Ignore, name))
                    continue;
                var same = va.SameAs(vb);
                if ((Matches(options.UntilEqual, name) && !armed.Contains(name)) || pending.Contains(name))
                {
                    if (!same)
                        continue;
                    armed.Add(name);
                    pending.Remove(name);
                }
                compared.Add(name);
                if (!same)
                    differing.Add(name);
            }
            if (ra.Pc != rb.Pc || differing.Count > 0)
                return new TraceDiffResult(from, agreed, new TraceDivergence(ra, rb, previous, ra.Pc != rb.Pc ? [] : differing, compared), false, false);
            previous = ra;
            agreed++;
            pending.UnionWith(ResyncSet(options, ra.Instruction ?? rb.Instruction));
        }
        return new TraceDiffResult(from, agreed, null, !hasA, !hasB);
    }

    /// <summary>The registers to compare again only once equal after <paramref name="instruction"/> executed.</summary>
    private static IReadOnlyList<string> ResyncSet(TraceDiffOptions options, string? instruction)
    {
        if (instruction is null || options.ResyncAfter.Count == 0)
            return [];
        var space = instruction.IndexOf(' ');
        var mnemonic = space < 0 ? instruction : instruction[..space];
        return options.ResyncAfter.TryGetValue(mnemonic, out var registers) ? registers : [];
    }

    /// <summary>Whether <paramref name="name"/> is one of <paramref name="patterns"/> (a trailing <c>*</c> matches a prefix).</summary>
    public static bool Matches(IReadOnlyList<string> patterns, string name)
    {
        foreach (var p in patterns)
        {
            if (p.EndsWith('*') ? name.StartsWith(p[..^1], StringComparison.Ordinal) : name == p)
                return true;
        }
        return false;
    }

    /// <summary>The first trace's first address when the second reaches it, else the second's first when the first reaches it.</summary>
    private static ulong? DefaultStart(Func<IEnumerable<TraceRecord>> a, Func<IEnumerable<TraceRecord>> b)
    {
        var firstA = First(a);
        var firstB = First(b);
        if (firstA is null || firstB is null)
            return null;
        if (firstA == firstB)
            return firstA;
        if (Reaches(b, firstA.Value))
            return firstA;
        return Reaches(a, firstB.Value) ? firstB : null;
    }

    private static ulong? First(Func<IEnumerable<TraceRecord>> trace)
    {
        foreach (var r in trace())
            return r.Pc;
        return null;
    }

    private static bool Reaches(Func<IEnumerable<TraceRecord>> trace, ulong pc)
    {
        foreach (var r in trace())
        {
            if (r.Pc == pc)
                return true;
        }
        return false;
    }

    /// <summary>An enumerator standing on the first record at <paramref name="pc"/>, or null when there is none.</summary>
    private static IEnumerator<TraceRecord>? SkipTo(IEnumerable<TraceRecord> trace, ulong pc)
    {
        var e = trace.GetEnumerator();
        while (e.MoveNext())
        {
            if (e.Current.Pc == pc)
                return e;
        }
        e.Dispose();
        return null;
    }
}
