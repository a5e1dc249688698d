using System.Buffers.Binary;
using System.IO.Hashing;
using LoaderHarness.Loader.Symbols;

namespace LoaderHarness.Emulator.Boot;

/// <summary>
/// Kallsyms tables recovered from kernel images, kept on disk so the next run of the same image skips the
/// recovery (the structural scan of the image, and for a bzImage the decompression of its payload): one file per
/// image, named by the XxHash128 of the image's bytes. A file that cannot be read, is truncated or corrupt, or
/// belongs to another image is a miss: the table is recovered from the image again and the file rewritten. A
/// directory that cannot be written only costs the saving.
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

    /// <summary>The file that holds (or would hold) the table of <paramref name="image"/>.</summary>
    public string PathFor(ReadOnlySpan<byte> image) => PathFor(XxHash128.Hash(image));

    /// <summary>
    /// The table of <paramref name="image"/> from the cache, or from <paramref name="recover"/> (then stored).
    /// Exceptions of <paramref name="recover"/> pass through; nothing is stored for them.
    /// </summary>
    public SymbolTable GetOrRecover(ReadOnlyMemory<byte> image, Func<ReadOnlyMemory<byte>, SymbolTable> recover)
    {
        var key = XxHash128.Hash(image.Span);
        var path = PathFor(key);
        var cached = TryLoad(path, key);
        if (cached is not null)
        {
            LastOutcome = KallsymsCacheOutcome.Hit;
            return cached;
        }
        LastOutcome = File.Exists(path) ? KallsymsCacheOutcome.Replaced : KallsymsCacheOutcome.Miss;
        var table = recover(image);
        if (SymbolTableFile.Write(table) is { } payload)
            Store(path, key, payload);
        else
            LastOutcome = KallsymsCacheOutcome.NotCacheable;
        return table;
    }

    private string PathFor(byte[] key) => Path.Combine(Directory, $"kallsyms-{Convert.ToHexStringLower(key)}.bin");

    private static SymbolTable? TryLoad(string path, byte[] key)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        if (bytes.Length < HeaderLength || !bytes.AsSpan().StartsWith(Magic) || !bytes.AsSpan(8, 16).SequenceEqual(key))
            return null;
        var payload = bytes.AsSpan(HeaderLength);
        if (BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(24)) != XxHash64.HashToUInt64(payload))
            return null;
        return SymbolTableFile.TryRead(payload);
    }

    private void Store(string path, byte[] key, byte[] payload)
    {
        var temporary = $"{path}.{Environment.ProcessId}.{Path.GetRandomFileName()}.tmp";
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                Span<byte> header = stackalloc byte[HeaderLength];
                Magic.CopyTo(header);
                key.CopyTo(header[8..]);
                BinaryPrimitives.WriteUInt64LittleEndian(header[24..], XxHash64.HashToUInt64(payload));
                file.Write(header);
                file.Write(payload);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LastOutcome = KallsymsCacheOutcome.NotStored;
            try
            {
                File.Delete(temporary);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // Nothing to clean up, or nothing we may clean up: the run goes on without the cache.
            }
        }
    }
}
