using System.Runtime.InteropServices;

namespace LoaderHarness.Cli;

/// <summary>
/// Host files the CLI reads (kernels, initrds, System.map), checked before a byte is read: only a regular,
/// non-empty file under a size cap is accepted, so <c>/dev/zero</c>, a FIFO or a directory gets one clear
/// line instead of an endless read, a blocked open or "Access to the path is denied".
/// </summary>
internal static class InputFile
{
    /// <summary>Largest initrd or symbol file read into memory; no initramfs a VMM hands a guest is this big.</summary>
    public const long MaxReadLength = 1L << 30;

    /// <summary>Largest kernel mapped: a span indexes at most <see cref="int.MaxValue"/> bytes.</summary>
    public const long MaxMapLength = int.MaxValue;

    // The runtime's own stat shim (dotnet/runtime src/native/libs/System.Native/pal_io.h, SystemNative_Stat):
    // FileStatus starts with int32 Flags then int32 Mode, whose S_IFMT bits are the PAL's portable values.
    private const int ModeOffset = 4;
    private const int FileTypeMask = 0xF000;
    private const int Directory = 0x4000;
    private const int Regular = 0x8000;

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", CharSet = CharSet.Ansi)]
    private static extern unsafe int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte* status);

    /// <summary>The file's length once it is known to be a regular, non-empty file no longer than <paramref name="cap"/>.</summary>
    /// <exception cref="UsageException">Missing, not a regular file, empty, or over the cap.</exception>
    public static long CheckedLength(string path, long cap)
    {
        var type = FileType(path);
        if (type == Directory)
            throw new UsageException(UsageError.NotARegularFile, $"{path} is a directory, not a file");
        if (type is { } t && t != Regular)
            throw new UsageException(UsageError.NotARegularFile, $"{path} is {Describe(t)}, not a regular file");
        var info = new FileInfo(path);
        if (!info.Exists)
            throw new UsageException(UsageError.NoSuchFile, $"{path}: no such file");
        if (info.Length == 0)
            throw new UsageException(UsageError.EmptyFile, $"{path} is empty");
        if (info.Length > cap)
            throw new UsageException(UsageError.FileTooLarge, $"{path} is {info.Length} bytes; files are read up to {cap} bytes");
        return info.Length;
    }

    /// <summary>Reads a whole regular file of at most <paramref name="cap"/> bytes.</summary>
    /// <exception cref="UsageException">As <see cref="CheckedLength"/>, or the file changed length while read.</exception>
    public static byte[] ReadAll(string path, long cap = MaxReadLength)
    {
        var length = CheckedLength(path, cap);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var bytes = GC.AllocateUninitializedArray<byte>((int)length);
        stream.ReadExactly(bytes);
        if (stream.ReadByte() != -1)
            throw new UsageException(UsageError.FileChanged, $"{path} grew while it was read");
        return bytes;
    }

    /// <summary>Reads a regular text file of at most <see cref="MaxReadLength"/> bytes.</summary>
    public static string ReadAllText(string path) => System.Text.Encoding.UTF8.GetString(ReadAll(path));

    /// <summary>The S_IFMT bits, or null where the shim cannot say (the checks then fall back to FileInfo).</summary>
    private static unsafe int? FileType(string path)
    {
        try
        {
            var status = stackalloc byte[512];
            if (Stat(path, status) != 0)
                return null;
            return *(int*)(status + ModeOffset) & FileTypeMask;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    private static string Describe(int type) => type switch
    {
        0x1000 => "a FIFO",
        0x2000 => "a character device",
        0x6000 => "a block device",
        0xC000 => "a socket",
        _ => $"a special file (mode 0x{type:x})",
    };
}
