using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace LoaderHarness.Emulator.Boot;

/// <summary>
/// What identifies a file's contents without reading them, as git's index and ccache do: device, inode, size, and
/// the modification and status-change times in nanoseconds. Any write to the file changes its ctime, which no user
/// call can set back (statx(2), "stx_ctime"), so an equal stamp means the same bytes. <see cref="KallsymsCache"/> uses
/// it to remember an image's hash instead of hashing a 53 MB vmlinux on every run.
/// </summary>
public readonly partial record struct ImageFileStamp(ulong Device, ulong Inode, ulong Size, long ModifiedNs, long ChangedNs)
{
    /// <summary>Bytes in <see cref="ToBytes"/>.</summary>
    internal const int Length = 40;

    /// <summary>The stamp of <paramref name="path"/>, or null where statx is not available or fails (then nothing is remembered).</summary>
    public static unsafe ImageFileStamp? Of(string path)
    {
        if (!OperatingSystem.IsLinux())
            return null;
        // struct statx (include/uapi/linux/stat.h) is laid out the same on every architecture: 256 bytes.
        var buffer = stackalloc byte[256];
        const int AtFdCwd = -100; // AT_FDCWD, include/uapi/linux/fcntl.h
        const uint StatxBasicStats = 0x7FF; // STATX_BASIC_STATS
        try
        {
            if (Statx(AtFdCwd, path, 0, StatxBasicStats, buffer) != 0)
                return null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
        var s = new ReadOnlySpan<byte>(buffer, 256);
        // Offsets of struct statx: stx_ino 32, stx_size 40, stx_ctime 96, stx_mtime 112 (each {s64 tv_sec, u32 tv_nsec}),
        // stx_dev_major 136, stx_dev_minor 140.
        static long Nanoseconds(ReadOnlySpan<byte> t) => BinaryPrimitives.ReadInt64LittleEndian(t) * 1_000_000_000 + BinaryPrimitives.ReadUInt32LittleEndian(t[8..]);
        var device = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(s[136..]) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(s[140..]);
        return new ImageFileStamp(device, BinaryPrimitives.ReadUInt64LittleEndian(s[32..]), BinaryPrimitives.ReadUInt64LittleEndian(s[40..]),
            Nanoseconds(s[112..]), Nanoseconds(s[96..]));
    }

    /// <summary>The stamp as 40 little-endian bytes.</summary>
    internal byte[] ToBytes()
    {
        var bytes = new byte[Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, Device);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), Inode);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(16), Size);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(24), ModifiedNs);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(32), ChangedNs);
        return bytes;
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int directory, string path, int flags, uint mask, byte* buffer);
}
