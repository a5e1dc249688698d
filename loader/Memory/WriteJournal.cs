namespace LoaderHarness.Loader.Memory;

/// <summary>
/// Remembers guest ranges before they are overwritten so a failed multi-step write can be undone.
/// A range that is all zero (fresh guest RAM, the common case) is remembered without a copy.
/// </summary>
public sealed class WriteJournal(GuestMemory memory)
{
    private readonly List<(ulong Address, ulong Length, byte[]? Bytes)> _saved = [];

    /// <summary>Records the current contents of <c>[address, address + length)</c>.</summary>
    public void Save(ulong address, ulong length)
    {
        memory.CheckRange(address, length, "journal");
        var allZero = true;
        for (var a = address; a < address + length && allZero;)
        {
            var run = (int)Math.Min(length - (a - address), int.MaxValue);
            var span = memory.GetSpan(a, (int)Math.Min((ulong)run, Contiguous(a)));
            allZero = !span.ContainsAnyExcept((byte)0);
            a += (ulong)span.Length;
        }
        _saved.Add((address, length, allZero ? null : Copy(address, length)));
    }

    /// <summary>Puts back every saved range, newest first.</summary>
    public void Restore()
    {
        for (var i = _saved.Count - 1; i >= 0; i--)
        {
            var (address, length, bytes) = _saved[i];
            if (bytes is null)
                memory.Fill(address, length, 0);
            else
                memory.Write(address, bytes);
        }
        _saved.Clear();
    }

    private unsafe ulong Contiguous(ulong address)
    {
        memory.TryTranslate(address, out var run);
        return run;
    }

    private byte[] Copy(ulong address, ulong length)
    {
        var bytes = new byte[length];
        memory.Read(address, bytes);
        return bytes;
    }
}
