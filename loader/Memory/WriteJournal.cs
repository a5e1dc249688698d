using System.Buffers;

namespace LoaderHarness.Loader.Memory;

/// <summary>
/// Remembers guest ranges before they are overwritten so a failed multi-step write can be undone. Ranges are
/// saved in 1 MiB chunks: an all-zero chunk (fresh guest RAM, the common case) is remembered without a copy,
/// the others are copied into buffers rented from the shared pool and returned on <see cref="Dispose"/>, so
/// reloading a kernel over an old one does not allocate its size again.
/// </summary>
public sealed class WriteJournal(GuestMemory memory) : IDisposable
{
    private const int ChunkSize = 1 << 20;
    private readonly List<(ulong Address, int Length, byte[]? Bytes)> _saved = [];

    /// <summary>Records the current contents of <c>[address, address + length)</c>.</summary>
    public void Save(ulong address, ulong length)
    {
        memory.CheckRange(address, length, "journal");
        for (ulong done = 0; done < length;)
        {
            var chunk = (int)Math.Min(length - done, ChunkSize);
            var at = address + done;
            byte[]? copy = null;
            if (!IsZero(at, chunk))
            {
                copy = ArrayPool<byte>.Shared.Rent(chunk);
                memory.Read(at, copy.AsSpan(0, chunk));
            }
            _saved.Add((at, chunk, copy));
            done += (ulong)chunk;
        }
    }

    /// <summary>Puts back every saved range, newest first.</summary>
    public void Restore()
    {
        for (var i = _saved.Count - 1; i >= 0; i--)
        {
            var (address, length, bytes) = _saved[i];
            if (bytes is null)
                memory.Fill(address, (ulong)length, 0);
            else
                memory.Write(address, bytes.AsSpan(0, length));
        }
        Dispose();
    }

    /// <summary>Forgets the saved ranges and returns their buffers to the pool.</summary>
    public void Dispose()
    {
        foreach (var (_, _, bytes) in _saved)
            if (bytes is not null)
                ArrayPool<byte>.Shared.Return(bytes);
        _saved.Clear();
    }

    private bool IsZero(ulong address, int length)
    {
        // Fresh guest memory nobody wrote to is zero without touching (and so committing) its pages.
        if (memory.IsKnownZero(address, (ulong)length))
            return true;
        for (var done = 0; done < length;)
        {
            var at = address + (ulong)done;
            memory.GetReadOnlySpan(at, 0, out var contiguous);
            var span = memory.GetReadOnlySpan(at, (int)Math.Min((ulong)(length - done), contiguous), out _);
            if (span.ContainsAnyExcept((byte)0))
                return false;
            done += span.Length;
        }
        return true;
    }
}
