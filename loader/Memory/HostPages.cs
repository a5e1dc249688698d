using System.Runtime.InteropServices;
using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Memory;

/// <summary>
/// Reserves zero-filled host memory that the OS backs only when a page is first touched, so a
/// 64 GiB guest costs nothing until the guest writes to it. Linux: anonymous private
/// <c>mmap</c> with <c>MAP_NORESERVE</c> (overcommit heuristics would refuse a plain malloc of
/// more than RAM). Elsewhere: a zeroed native allocation.
/// </summary>
internal static unsafe partial class HostPages
{
    private const int ProtRead = 0x1, ProtWrite = 0x2;
    private const int MapPrivate = 0x02, MapAnonymous = 0x20, MapNoReserve = 0x4000;

    public static byte* Reserve(ulong size)
    {
        if (OperatingSystem.IsLinux())
        {
            var p = Mmap(null, (nuint)size, ProtRead | ProtWrite, MapPrivate | MapAnonymous | MapNoReserve, -1, 0);
            if (p == (void*)-1)
                throw new LoaderException(LoaderError.HostAllocationFailed,
                    $"mmap of 0x{size:x} bytes for guest RAM failed (errno {Marshal.GetLastPInvokeError()})");
            return (byte*)p;
        }
        try
        {
            return (byte*)NativeMemory.AllocZeroed((nuint)size);
        }
        catch (OutOfMemoryException e)
        {
            throw new LoaderException(LoaderError.HostAllocationFailed, $"allocating 0x{size:x} bytes for guest RAM failed", e);
        }
    }

    public static void Release(byte* p, ulong size)
    {
        if (OperatingSystem.IsLinux())
            _ = Munmap(p, (nuint)size);
        else
            NativeMemory.Free(p);
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial void* Mmap(void* addr, nuint length, int prot, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(void* addr, nuint length);
}
