using System.Runtime.InteropServices;
using LoaderHarness.Loader.Errors;
using Microsoft.Win32.SafeHandles;

namespace LoaderHarness.Loader.Memory;

/// <summary>
/// Reserves zero-filled host memory that the OS backs only when a page is first touched, so a
/// 64 GiB guest costs nothing until the guest writes to it (and the emulator's decoded-code pages
/// only the entries decoded). Linux: anonymous private
/// <c>mmap</c> with <c>MAP_NORESERVE</c> (overcommit heuristics would refuse a plain malloc of
/// more than RAM). Elsewhere: a zeroed native allocation.
/// </summary>
internal static unsafe partial class HostPages
{
    private const int ProtRead = 0x1, ProtWrite = 0x2;
    // Linux include/uapi/asm-generic/mman-common.h, mman.h (x86-64 and arm64 share these values).
    private const int MapPrivate = 0x02, MapFixed = 0x10, MapAnonymous = 0x20, MapNoReserve = 0x4000;
    private const int MadvHugepage = 14, MadvPopulateWrite = 23;
    private const int MremapMaymove = 1, MremapFixed = 2;

    /// <summary>The x86-64 and arm64 (4 KiB granule) PMD size: one transparent huge page (/sys/kernel/mm/transparent_hugepage/hpage_pmd_size).</summary>
    public const ulong HugePageSize = 2 << 20;

    /// <summary>
    /// Reserves <paramref name="size"/> zero bytes; <paramref name="what"/> names them in the error when the host refuses.
    /// With <paramref name="hugePages"/> the range starts on a <see cref="HugePageSize"/> boundary and is advised
    /// <c>MADV_HUGEPAGE</c>, so that where the host's transparent huge pages are "always" or "madvise" (Linux
    /// Documentation/admin-guide/mm/transhuge.rst) one fault backs 2 MiB instead of 4 KiB: guest RAM, which a kernel
    /// fills densely. Each fresh 4 KiB page had cost a fault, the LZ4 bzImage's decompression to <c>start_kernel</c>
    /// about 17,000 of them.
    /// </summary>
    public static byte* Reserve(ulong size, string what = "guest RAM", bool hugePages = false)
    {
        if (OperatingSystem.IsLinux())
        {
            var slack = hugePages && size >= HugePageSize && size <= ulong.MaxValue - HugePageSize ? HugePageSize : 0;
            var p = (byte*)Mmap(null, (nuint)(size + slack), ProtRead | ProtWrite, MapPrivate | MapAnonymous | MapNoReserve, -1, 0);
            if (p == (byte*)-1)
                throw new LoaderException(LoaderError.HostAllocationFailed,
                    $"mmap of 0x{size:x} bytes for {what} failed (errno {Marshal.GetLastPInvokeError()})");
            if (slack == 0)
                return p;
            var aligned = (byte*)(((ulong)p + HugePageSize - 1) & ~(HugePageSize - 1));
            Trim(p, (ulong)(aligned - p));
            Trim(aligned + size, (ulong)(p + size + slack - (aligned + size)));
            _ = Madvise(aligned, (nuint)size, MadvHugepage); // refused (EINVAL) where the kernel has no THP: 4 KiB pages then
            return aligned;
        }
        try
        {
            return (byte*)NativeMemory.AllocZeroed((nuint)size);
        }
        catch (OutOfMemoryException e)
        {
            throw new LoaderException(LoaderError.HostAllocationFailed, $"allocating 0x{size:x} bytes for {what} failed", e);
        }
    }

    /// <summary>
    /// Maps <paramref name="length"/> bytes of <paramref name="file"/> from <paramref name="offset"/> copy-on-write at
    /// <paramref name="at"/>, inside a reservation (<c>MAP_PRIVATE | MAP_FIXED</c>: the guest's writes stay in its
    /// own pages, the file never changes). Both must be page-aligned. False when the OS refuses; the range is then
    /// zero-filled anonymous memory again (a failed <c>MAP_FIXED</c> may already have unmapped it, mmap(2)).
    /// </summary>
    public static bool TryMapFile(byte* at, ulong length, SafeFileHandle file, ulong offset)
    {
        if (!OperatingSystem.IsLinux())
            return false;
        var added = false;
        try
        {
            file.DangerousAddRef(ref added);
            var fd = (int)file.DangerousGetHandle();
            if (Mmap(at, (nuint)length, ProtRead | ProtWrite, MapPrivate | MapFixed, fd, (nint)offset) == at)
                return true;
        }
        finally
        {
            if (added)
                file.DangerousRelease();
        }
        if (Mmap(at, (nuint)length, ProtRead | ProtWrite, MapPrivate | MapAnonymous | MapNoReserve | MapFixed, -1, 0) != at)
            throw new LoaderException(LoaderError.HostAllocationFailed,
                $"restoring guest RAM after a failed file mapping failed (errno {Marshal.GetLastPInvokeError()})");
        return false;
    }

    /// <summary>
    /// Faults in <paramref name="length"/> bytes from <paramref name="at"/> writable in one call, as writes would but
    /// without writing: a private file mapping's pages get their own copies now (<c>MADV_POPULATE_WRITE</c>, Linux
    /// 5.14, madvise(2)). Nothing where the kernel refuses it; the pages are then copied at their first writes.
    /// </summary>
    public static void PopulateWritable(byte* at, ulong length)
    {
        if (OperatingSystem.IsLinux())
            _ = Madvise(at, (nuint)length, MadvPopulateWrite);
    }

    /// <summary>
    /// Puts <paramref name="length"/> bytes of <paramref name="file"/> from <paramref name="offset"/> at
    /// <paramref name="at"/> (both on <see cref="HugePageSize"/> boundaries) as private memory on transparent huge pages:
    /// read into a reservation of their own (<see cref="Reserve"/>), then moved over whatever <paramref name="at"/>
    /// held in one <c>mremap</c> (<c>MREMAP_MAYMOVE | MREMAP_FIXED</c>, Linux mm/mremap.c, which moves whole huge pages).
    /// False, with <paramref name="at"/> untouched, where a step fails: not Linux, no memory, a short read, a closed file.
    /// </summary>
    public static bool TryReadOver(byte* at, ulong length, SafeFileHandle file, ulong offset)
    {
        if (!OperatingSystem.IsLinux() || length > int.MaxValue)
            return false;
        byte* staging;
        try
        {
            staging = Reserve(length, "a staging copy", hugePages: true);
        }
        catch (LoaderException)
        {
            return false;
        }
        var moved = false;
        try
        {
            moved = RandomAccess.Read(file, new Span<byte>(staging, (int)length), (long)offset) == (int)length
                    && Mremap(staging, (nuint)length, (nuint)length, MremapMaymove | MremapFixed, at) == at;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or UnauthorizedAccessException)
        {
            // Unreadable now: the caller keeps what is there.
        }
        finally
        {
            if (!moved)
                Release(staging, length);
        }
        return moved;
    }

    private static void Trim(byte* p, ulong length)
    {
        if (length != 0)
            _ = Munmap(p, (nuint)length);
    }

    public static void Release(byte* p, ulong size)
    {
        if (OperatingSystem.IsLinux())
            _ = Munmap(p, (nuint)size);
        else
            NativeMemory.Free(p);
    }

    /// <summary>
    /// A bit per host page of the up to 64 pages from <paramref name="at"/> (page-aligned), set for each page the OS has
    /// never backed: no page frame and no swap entry, so a private anonymous page there still reads as zero. From
    /// <c>/proc/self/pagemap</c>, one 64-bit entry per virtual page, bit 63 "page present", bit 62 "page swapped"
    /// (Linux Documentation/admin-guide/mm/pagemap.rst; both flags are readable without privileges). 0, "not known",
    /// where that file cannot be read or pages are not 4 KiB.
    /// </summary>
    public static ulong NeverBacked(byte* at, int pages)
    {
        if (pages <= 0 || Pagemap.Handle is not { } handle)
            return 0;
        pages = Math.Min(pages, 64);
        Span<ulong> entries = stackalloc ulong[pages];
        try
        {
            var bytes = MemoryMarshal.AsBytes(entries);
            if (RandomAccess.Read(handle, bytes, (long)((ulong)at / 4096 * 8)) != bytes.Length)
                return 0;
        }
        catch (IOException)
        {
            return 0;
        }
        const ulong presentOrSwapped = 3UL << 62;
        ulong mask = 0;
        for (var i = 0; i < pages; i++)
        {
            if ((entries[i] & presentOrSwapped) == 0)
                mask |= 1UL << i;
        }
        return mask;
    }

    /// <summary>The process's pagemap, opened on first use; null where there is none (not Linux, no procfs, other page sizes).</summary>
    private static class Pagemap
    {
        public static readonly SafeFileHandle? Handle = Open();

        private static SafeFileHandle? Open()
        {
            if (!OperatingSystem.IsLinux() || Environment.SystemPageSize != 4096)
                return null;
            try
            {
                return File.OpenHandle("/proc/self/pagemap", FileMode.Open, FileAccess.Read);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial void* Mmap(void* addr, nuint length, int prot, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(void* addr, nuint length, int advice);

    [LibraryImport("libc", EntryPoint = "mremap")]
    private static partial void* Mremap(void* oldAddress, nuint oldSize, nuint newSize, int flags, void* newAddress);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(void* addr, nuint length);
}
