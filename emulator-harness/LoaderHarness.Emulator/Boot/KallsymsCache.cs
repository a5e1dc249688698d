using System.Buffers.Binary;
using System.IO.Hashing;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Symbols;

namespace LoaderHarness.Emulator.Boot;

/// <summary>
/// Kallsyms tables recovered from kernel images, kept on disk so the next run of the same image skips the
/// recovery (the structural scan of the image, and for a bzImage the decompression of its payload): one file per
/// image, named by the XxHash128 of the image's bytes. A file that cannot be read, is truncated or corrupt, or
/// belongs to another image is a miss: the table is recovered from the image again and the file rewritten. A
/// directory that cannot be written only costs the saving. The cache stays bounded: storing a table drops the
/// least recently used ones beyond <see cref="MaxTables"/> (a hit counts as a use), and the remembered file stamps
/// beyond <see cref="MaxStamps"/>.
/// </summary>
/// <remarks>
/// File layout: "LHKSYMC1", the 16-byte XxHash128 of the image, the XxHash64 of the rest, then the table as
/// <see cref="SymbolTableFile"/> writes it. Files are written to a temporary name and renamed into place, so a
/// reader never sees half a file.
/// </remarks>
public sealed class KallsymsCache
{
    private static ReadOnlySpan<byte> Magic => "LHKSYMC1"u8;
    private const int HeaderLength = 8 + 16 + 8;

    /// <summary>A cache in <paramref name="directory"/> (created when the first table is stored).</summary>
    public KallsymsCache(string directory) => Directory = directory;

    /// <summary>Where the tables are kept.</summary>
    public string Directory { get; }

    /// <summary>The most tables kept (Debian 6.1 cloud amd64's is 1.8 MB: 24 of those are 43 MB).</summary>
    public int MaxTables { get; init; } = 24;

    /// <summary>The most remembered file stamps kept (80 bytes each).</summary>
    public int MaxStamps { get; init; } = 256;

    /// <summary>
    /// The default place: <c>$XDG_CACHE_HOME/loader-harness</c> (XDG Base Directory Specification), else
    /// <c>~/.cache/loader-harness</c>; null when neither variable names an absolute directory.
    /// </summary>
    public static string? DefaultDirectory => DirectoryFrom(Environment.GetEnvironmentVariable);

    /// <summary><see cref="DefaultDirectory"/> from the environment <paramref name="variable"/> reads.</summary>
    internal static string? DirectoryFrom(Func<string, string?> variable)
    {
        // The spec: "If $XDG_CACHE_HOME is either not set or empty, a default equal to $HOME/.cache should be used";
        // a relative path in it is invalid and is ignored.
        var xdg = variable("XDG_CACHE_HOME");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg))
            return Path.Combine(xdg, "loader-harness");
        var home = variable("HOME");
        return !string.IsNullOrEmpty(home) && Path.IsPathRooted(home) ? Path.Combine(home, ".cache", "loader-harness") : null;
    }

    /// <summary>What the last <see cref="GetOrRecover"/> did.</summary>
    public KallsymsCacheOutcome LastOutcome { get; private set; }

    /// <summary>
    /// The stamp of the file the images come from, or null: with one, the image's hash is remembered beside the
    /// tables under the stamp and taken from there while the file's stamp stays the same (<see cref="ImageFileStamp"/>).
    /// </summary>
    public ImageFileStamp? Stamp { get; init; }

    /// <summary>Whether the last <see cref="GetOrRecover"/> took the image's hash from the remembered stamp instead of hashing the image.</summary>
    public bool LastKeyRemembered { get; private set; }

    /// <summary>The file that holds (or would hold) the table of <paramref name="image"/>.</summary>
    public string PathFor(ReadOnlySpan<byte> image) => PathFor(XxHash128.Hash(image));

    /// <summary>
    /// The table of <paramref name="image"/> from the cache, or from <paramref name="recover"/> (then stored).
    /// Exceptions of <paramref name="recover"/> pass through; nothing is stored for them.
    /// </summary>
    public SymbolTable GetOrRecover(ReadOnlyMemory<byte> image, Func<ReadOnlyMemory<byte>, SymbolTable> recover)
    {
        var stamp = Stamp is { } fileStamp ? StampRecord(fileStamp, image.Span) : null;
        var remembered = stamp is null ? null : RememberedKey(stamp);
        LastKeyRemembered = remembered is not null;
        var key = remembered ?? XxHash128.Hash(image.Span);
        var path = PathFor(key);
        var cached = TryLoad(path, key);
        if (cached is not null)
        {
            LastOutcome = KallsymsCacheOutcome.Hit;
            MarkUsed(path);
            if (stamp is not null && remembered is null)
                Remember(stamp, key);
            return cached;
        }
        LastOutcome = File.Exists(path) ? KallsymsCacheOutcome.Replaced : KallsymsCacheOutcome.Miss;
        var table = recover(image);
        if (SymbolTableFile.Write(table) is { } payload)
        {
            Store(path, key, payload);
            if (stamp is not null && LastOutcome != KallsymsCacheOutcome.NotStored)
                Remember(stamp, key);
            Trim("kallsyms-*.bin", MaxTables);
            Trim("stamp-*.bin", MaxStamps);
        }
        else
            LastOutcome = KallsymsCacheOutcome.NotCacheable;
        return table;
    }

    private string PathFor(byte[] key) => Path.Combine(Directory, $"kallsyms-{Convert.ToHexStringLower(key)}.bin");

    /// <summary>
    /// The stamp of the file and what ties it to these bytes: their length and the XxHash64 of their first and last
    /// 4 KiB (a cheap guard for the case of two different byte ranges of one file).
    /// </summary>
    private static byte[] StampRecord(ImageFileStamp stamp, ReadOnlySpan<byte> image)
    {
        var record = new byte[ImageFileStamp.Length + 24];
        stamp.ToBytes().CopyTo(record, 0);
        var edge = Math.Min(image.Length, 4096);
        BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(ImageFileStamp.Length), image.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(ImageFileStamp.Length + 8), XxHash64.HashToUInt64(image[..edge]));
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(ImageFileStamp.Length + 16), XxHash64.HashToUInt64(image[^edge..]));
        return record;
    }

    private string StampPath(byte[] record) => Path.Combine(Directory, $"stamp-{Convert.ToHexStringLower(XxHash128.Hash(record))}.bin");

    /// <summary>The image hash remembered under <paramref name="record"/>: a file holding the record and then the 16-byte key; null if absent or not that.</summary>
    private byte[]? RememberedKey(byte[] record)
    {
        try
        {
            var bytes = File.ReadAllBytes(StampPath(record));
            return bytes.Length == record.Length + 16 && bytes.AsSpan(0, record.Length).SequenceEqual(record) ? bytes[record.Length..] : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private void Remember(byte[] record, byte[] key) => WriteAtomically(StampPath(record), [.. record, .. key]);

    /// <summary>
    /// The table in the file at <paramref name="path"/>, mapped rather than read: the table reads its compressed names
    /// in place, so a hit costs page-table entries for the pages it touches instead of a copy of the whole file. A
    /// table keeps its mapping for its lifetime; the file itself is only ever replaced by a rename (<see cref="WriteAtomically"/>)
    /// or deleted, never rewritten in place, so the mapped bytes stay the ones checked here.
    /// </summary>
    private static SymbolTable? TryLoad(string path, byte[] key)
    {
        MappedImageFile file;
        try
        {
            var length = new FileInfo(path).Length;
            if (length < HeaderLength || length > int.MaxValue)
                return null;
            file = MappedImageFile.Open(path, length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        var bytes = file.Memory;
        var header = bytes.Span;
        SymbolTable? table = null;
        if (header.StartsWith(Magic) && header.Slice(8, 16).SequenceEqual(key)
            && BinaryPrimitives.ReadUInt64LittleEndian(header[24..]) == XxHash64.HashToUInt64(header[HeaderLength..]))
            table = SymbolTableFile.TryReadInPlace(bytes[HeaderLength..]);
        if (table is null)
            ((IDisposable)file).Dispose();
        return table;
    }

    private void Store(string path, byte[] key, byte[] payload)
    {
        var header = new byte[HeaderLength];
        Magic.CopyTo(header);
        key.CopyTo(header, 8);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(24), XxHash64.HashToUInt64(payload));
        if (!WriteAtomically(path, header, payload))
            LastOutcome = KallsymsCacheOutcome.NotStored;
    }

    /// <summary>A hit makes its file the most recently used: its write time is what <see cref="Trim"/> orders by.</summary>
    private static void MarkUsed(string path)
    {
        try
        {
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only cache still serves hits; it only forgets their order.
        }
    }

    /// <summary>Deletes the least recently written files matching <paramref name="pattern"/> beyond <paramref name="keep"/>.</summary>
    private void Trim(string pattern, int keep)
    {
        try
        {
            var files = new DirectoryInfo(Directory).GetFiles(pattern);
            if (files.Length <= keep)
                return;
            Array.Sort(files, (a, b) => b.LastWriteTimeUtc.CompareTo(a.LastWriteTimeUtc));
            foreach (var file in files.AsSpan(keep))
                file.Delete();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Another run trimming at the same time, or a directory we may not change: the cache only stays larger.
        }
    }

    /// <summary>Writes the parts to a temporary file beside <paramref name="path"/> and renames it into place; false (nothing left behind) when the directory does not allow it.</summary>
    private bool WriteAtomically(string path, params byte[][] parts)
    {
        var temporary = $"{path}.{Environment.ProcessId}.{Path.GetRandomFileName()}.tmp";
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                foreach (var part in parts)
                    file.Write(part);
            }
            File.Move(temporary, path, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temporary);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // Nothing to clean up, or nothing we may clean up: the run goes on without the cache.
            }
            return false;
        }
    }
}
