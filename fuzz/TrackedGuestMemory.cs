using System.Runtime.InteropServices;
using LoaderHarness.Loader.Memory;
using Microsoft.Win32.SafeHandles;

namespace LoaderHarness.Fuzz;

/// <summary>
/// Guest memory kept from one fuzz input to the next, filled with one byte, that finds and undoes exactly the
/// pages an input wrote. Allocating, faulting in and scanning tens of MiB of fresh RAM per input cost more than
/// the load under test; this costs a few system calls and the pages the input really wrote.
/// <para>
/// Linux: each region's reservation is remapped copy-on-write (<c>MAP_PRIVATE | MAP_FIXED</c>) over a memfd that
/// holds the fill byte. A write gives the process its own copy of the page, so <c>/proc/self/pagemap</c> tells the
/// written pages apart: present and no longer a file page (bit 61 clear), or swapped out (bit 62)
/// (Documentation/admin-guide/mm/pagemap.rst). <c>madvise(MADV_DONTNEED)</c> drops those copies and the file's
/// pages, still holding the fill byte, show through again (madvise(2)). Elsewhere every byte is scanned and
/// refilled.
/// </para>
/// The inputs are byte arrays, never a file the loader could map over the RAM (<see cref="GuestMemory.Load"/> maps
/// only <see cref="IFileBacked"/> bytes), so nothing but a write changes a page.
/// </summary>
public sealed unsafe partial class TrackedGuestMemory : IDisposable
{
    private const ulong PresentBit = 1UL << 63, SwappedBit = 1UL << 62, FilePageBit = 1UL << 61;
    // Linux include/uapi/asm-generic/mman-common.h and mman.h (x86-64 and arm64 share these values).
    private const int ProtRead = 0x1, ProtWrite = 0x2, MapPrivate = 0x02, MapFixed = 0x10, MadvDontNeed = 4;
    private const uint MfdCloexec = 1; // include/uapi/linux/memfd.h
    private const ulong PagemapScan = 0xC060_6610; // include/uapi/linux/fs.h: _IOWR('f', 16, struct pm_scan_arg), 96 bytes
    private const int ScanRegions = 256;

    private readonly byte _fill;
    private readonly SafeFileHandle? _pagemap;
    private readonly ulong _page = (ulong)Environment.SystemPageSize;
    private readonly ulong[] _entries;
    private List<(ulong Offset, ulong Length)>[]? _scanned;
    private bool _noScan;

    /// <summary>Guest memory with <paramref name="regions"/>, every byte <paramref name="fill"/>.</summary>
    public TrackedGuestMemory(IEnumerable<GuestRegion> regions, byte fill)
    {
        Memory = new GuestMemory(regions);
        _fill = fill;
        var largest = Memory.Regions.Max(r => r.Size);
        _entries = new ulong[largest / _page];
        if (OperatingSystem.IsLinux() && TryTrack(largest, out _pagemap))
            return;
        _pagemap = null;
        Reset();
    }

    /// <summary>The memory the loader or the engine is handed.</summary>
    public GuestMemory Memory { get; }

    /// <summary>
    /// The lowest address whose byte is no longer the fill byte, or null when none is. The written pages it finds
    /// are kept for the <see cref="Reset"/> that follows, so a refused load reads <c>/proc/self/pagemap</c> once, not
    /// twice (the read walks the region's page tables and was most of a small input's cost): nothing may write the
    /// memory between the two calls.
    /// </summary>
    public ulong? FirstChange()
    {
        _scanned = new List<(ulong, ulong)>[Memory.Regions.Count];
        for (var r = 0; r < Memory.Regions.Count; r++)
        {
            var region = Memory.Regions[r];
            var host = Memory.TryTranslate(region.Start, out _);
            foreach (var (offset, length) in _scanned[r] = Written(region, host))
            {
                var index = new ReadOnlySpan<byte>(host + offset, checked((int)length)).IndexOfAnyExcept(_fill);
                if (index >= 0)
                    return region.Start + offset + (ulong)index;
            }
        }
        return null;
    }

    /// <summary>Puts the fill byte back wherever anything was written.</summary>
    public void Reset()
    {
        var scanned = _scanned;
        _scanned = null;
        for (var r = 0; r < Memory.Regions.Count; r++)
        {
            var region = Memory.Regions[r];
            var host = Memory.TryTranslate(region.Start, out _);
            foreach (var (offset, length) in scanned?[r] ?? Written(region, host))
            {
                if (_pagemap is null)
                    new Span<byte>(host + offset, checked((int)length)).Fill(_fill);
                else if (Madvise(host + offset, (nuint)length, MadvDontNeed) != 0)
                    throw new InvalidOperationException($"madvise failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
    }

    /// <summary>The runs of written pages in <paramref name="region"/> (the whole region where nothing tracks them), by offset.</summary>
    private List<(ulong Offset, ulong Length)> Written(GuestRegion region, byte* host)
    {
        var runs = new List<(ulong, ulong)>();
        if (_pagemap is null)
        {
            for (ulong at = 0; at < region.Size; at += 1 << 30)
                runs.Add((at, Math.Min(1UL << 30, region.Size - at)));
            return runs;
        }
        if (!_noScan && Scan((ulong)host, region.Size, runs))
            return runs;
        var pages = (int)(region.Size / _page);
        var bytes = MemoryMarshal.AsBytes(_entries.AsSpan(0, pages));
        if (RandomAccess.Read(_pagemap, bytes, (long)((ulong)host / _page * 8)) != bytes.Length)
            throw new InvalidOperationException("short read of /proc/self/pagemap");
        var start = -1;
        for (var i = 0; i <= pages; i++)
        {
            var written = i < pages && ((_entries[i] & PresentBit) != 0 ? (_entries[i] & FilePageBit) == 0 : (_entries[i] & SwappedBit) != 0);
            if (written && start < 0)
                start = i;
            else if (!written && start >= 0)
            {
                runs.Add(((ulong)start * _page, (ulong)(i - start) * _page));
                start = -1;
            }
        }
        return runs;
    }

    /// <summary>
    /// The written pages of <c>[host, host + size)</c> by the PAGEMAP_SCAN ioctl (Linux 6.7,
    /// Documentation/admin-guide/mm/pagemap.rst "PAGEMAP_SCAN IOCTL"): the kernel returns just the runs that are
    /// present and not a file page, or swapped, instead of a word per page to read and test here (for a 64 MiB guest,
    /// 128 KiB a call, which was a third of the protocols target's time). False, and never tried again, where the
    /// kernel does not have it.
    /// </summary>
    private bool Scan(ulong host, ulong size, List<(ulong Offset, ulong Length)> runs)
    {
        // include/uapi/linux/fs.h: PAGE_IS_FILE, PAGE_IS_PRESENT, PAGE_IS_SWAPPED.
        const ulong IsFile = 1 << 2, IsPresent = 1 << 3, IsSwapped = 1 << 4;
        var found = stackalloc ulong[3 * ScanRegions]; // struct page_region: start, end, categories
        var arg = stackalloc ulong[12]; // struct pm_scan_arg
        for (var at = host; at < host + size;)
        {
            arg[0] = 12 * sizeof(ulong); // size
            arg[1] = 0; // flags
            arg[2] = at; // start
            arg[3] = host + size; // end
            arg[4] = 0; // walk_end, set by the kernel
            arg[5] = (ulong)found; // vec
            arg[6] = ScanRegions; // vec_len
            arg[7] = 0; // max_pages: no limit
            arg[8] = IsFile; // category_inverted: not a file page ...
            arg[9] = IsFile; // category_mask
            arg[10] = IsPresent | IsSwapped; // category_anyof_mask: ... and present, or swapped
            arg[11] = IsPresent; // return_mask
            var count = Ioctl((int)_pagemap!.DangerousGetHandle(), PagemapScan, arg);
            if (count < 0)
            {
                if (at != host)
                    throw new InvalidOperationException($"PAGEMAP_SCAN failed (errno {Marshal.GetLastPInvokeError()})");
                _noScan = true;
                runs.Clear();
                return false;
            }
            for (var i = 0; i < count; i++)
                runs.Add((found[3 * i] - host, found[3 * i + 1] - found[3 * i]));
            if (arg[4] <= at)
                throw new InvalidOperationException("PAGEMAP_SCAN made no progress");
            at = arg[4];
        }
        return true;
    }

    private bool TryTrack(ulong size, out SafeFileHandle? pagemap)
    {
        pagemap = null;
        if (Memory.Regions.Any(r => r.Size % _page != 0))
            return false;
        var fd = MemfdCreate("fuzz-guest-ram", MfdCloexec);
        if (fd < 0)
            return false;
        using var file = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            RandomAccess.SetLength(file, (long)size);
            if (_fill != 0)
            {
                var chunk = new byte[1 << 20];
                chunk.AsSpan().Fill(_fill);
                for (ulong at = 0; at < size; at += (ulong)chunk.Length)
                    RandomAccess.Write(file, chunk.AsSpan(0, (int)Math.Min((ulong)chunk.Length, size - at)), (long)at);
            }
            foreach (var region in Memory.Regions)
            {
                var host = Memory.TryTranslate(region.Start, out _);
                if (Mmap(host, (nuint)region.Size, ProtRead | ProtWrite, MapPrivate | MapFixed, fd, 0) != host)
                    throw new InvalidOperationException($"mmap of the fill file failed (errno {Marshal.GetLastPInvokeError()})");
            }
            pagemap = File.OpenHandle("/proc/self/pagemap");
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Releases the guest memory.</summary>
    public void Dispose()
    {
        _pagemap?.Dispose();
        Memory.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "memfd_create", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MemfdCreate(string name, uint flags);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial void* Mmap(void* addr, nuint length, int prot, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, ulong request, void* arg);

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(void* addr, nuint length, int advice);
}
