using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Memory;

/// <summary>
/// The emulated guest-physical address space: RAM regions at arbitrary addresses with gaps between
/// them (an MMIO hole below 4 GiB, RAM above it). Host memory is reserved per region and committed by
/// the OS only when touched. Every access is bounds-checked and fails with
/// <see cref="LoaderError.GuestAddressOutOfRange"/>; <see cref="TryTranslate"/> gives the emulator a
/// raw host pointer for the fast path.
/// </summary>
public sealed unsafe partial class GuestMemory : IDisposable
{
    private readonly GuestRegion[] _regions;
    private readonly byte*[] _hosts;
    private int _lastHit;
    private bool _disposed;

    /// <summary>
    /// The ranges written through this class since it was created, while that is all that can have changed its
    /// bytes; null once a writable view or host pointer was handed out (<see cref="GetSpan"/>, <see cref="TryTranslate"/>),
    /// after which any byte may have changed.
    /// </summary>
    private List<(ulong Start, ulong End)>? _written = [];

    /// <summary>Creates guest memory with the given RAM regions (any order; they must not overlap).</summary>
    public GuestMemory(IEnumerable<GuestRegion> regions)
    {
        _regions = regions.OrderBy(r => r.Start).ToArray();
        if (_regions.Length == 0)
            throw new LoaderException(LoaderError.InvalidMemoryLayout, "guest memory needs at least one RAM region");
        for (var i = 0; i < _regions.Length; i++)
        {
            var r = _regions[i];
            if (r.Size == 0 || r.Start + r.Size < r.Start)
                throw new LoaderException(LoaderError.InvalidMemoryLayout, $"region {i} at 0x{r.Start:x} has size 0x{r.Size:x}: empty or wraps past 2^64");
            if (i > 0 && r.Start < _regions[i - 1].End)
                throw new LoaderException(LoaderError.InvalidMemoryLayout, $"region {r} overlaps {_regions[i - 1]}");
        }
        _hosts = new byte*[_regions.Length];
        try
        {
            for (var i = 0; i < _regions.Length; i++)
                _hosts[i] = HostPages.Reserve(_regions[i].Size, hugePages: true);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>One RAM region of <paramref name="size"/> bytes starting at guest-physical 0.</summary>
    public static GuestMemory Flat(ulong size) => new([new GuestRegion(0, size)]);

    /// <summary>
    /// An x86 PC layout: RAM from 0 up to <paramref name="gapStart"/>, a hole of <paramref name="gapSize"/>
    /// bytes for 32-bit MMIO, and the rest of <paramref name="ramSize"/> above the hole. Defaults are
    /// Firecracker ≥ v1.13's 1 GiB gap at 3 GiB (arch/x86_64/layout.rs).
    /// </summary>
    public static GuestMemory WithMmioGap(ulong ramSize, ulong gapStart = 0xC000_0000, ulong gapSize = 0x4000_0000)
    {
        if (ramSize <= gapStart)
            return Flat(ramSize);
        return new GuestMemory([new GuestRegion(0, gapStart), new GuestRegion(gapStart + gapSize, ramSize - gapStart)]);
    }

    /// <summary>The RAM regions, sorted by address.</summary>
    public IReadOnlyList<GuestRegion> Regions => _regions;

    /// <summary>Total bytes of RAM.</summary>
    public ulong TotalSize
    {
        get
        {
            ulong total = 0;
            foreach (var r in _regions)
                total += r.Size;
            return total;
        }
    }

    /// <summary>One past the highest RAM address.</summary>
    public ulong End => _regions[^1].End;

    /// <summary>
    /// Host pointer for guest-physical <paramref name="address"/>, or null if it is not RAM;
    /// <paramref name="contiguous"/> is how many bytes from there stay inside the same region.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* TryTranslate(ulong address, out ulong contiguous)
    {
        _written = null;
        return Translate(address, out contiguous);
    }

    /// <summary><see cref="TryTranslate"/> for this class's own bounded accesses, which keep track of what they write.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte* Translate(ulong address, out ulong contiguous)
    {
        var i = _lastHit;
        var r = _regions[i];
        if (address - r.Start >= r.Size)
        {
            i = FindRegion(address);
            if (i < 0)
            {
                contiguous = 0;
                return null;
            }
            _lastHit = i;
            r = _regions[i];
        }
        var offset = address - r.Start;
        contiguous = r.Size - offset;
        return _hosts[i] + offset;
    }

    /// <summary>Whether every byte of <c>[address, address + length)</c> is RAM.</summary>
    public bool IsRam(ulong address, ulong length)
    {
        if (length == 0)
            return Translate(address, out _) != null || address == End;
        if (address + length < address)
            return false;
        while (length > 0)
        {
            if (Translate(address, out var run) == null)
                return false;
            var step = Math.Min(run, length);
            address += step;
            length -= step;
        }
        return true;
    }

    /// <summary>Throws <see cref="LoaderError.GuestAddressOutOfRange"/> unless the range is RAM.</summary>
    public void CheckRange(ulong address, ulong length, string what)
    {
        if (!IsRam(address, length))
            throw new LoaderException(LoaderError.GuestAddressOutOfRange,
                $"{what} [0x{address:x}, +0x{length:x}) is not guest RAM (regions: {string.Join(", ", _regions)})");
    }

    /// <summary>A writable view of <paramref name="length"/> bytes that lie inside one region.</summary>
    public Span<byte> GetSpan(ulong address, int length)
    {
        _written = null;
        var p = Translate(address, out var run);
        if (p == null || (ulong)length > run || length < 0)
            throw new LoaderException(LoaderError.GuestAddressOutOfRange,
                $"[0x{address:x}, +0x{length:x}) is not inside one guest RAM region");
        return new Span<byte>(p, length);
    }

    /// <summary>
    /// Whether <c>[address, address + length)</c> is known to hold zeros without reading it: RAM that nothing has
    /// written since the memory was created (fresh host pages read as zero) and no host pointer or writable view
    /// has been handed out. False means "not known", not "not zero".
    /// </summary>
    internal bool IsKnownZero(ulong address, ulong length)
    {
        if (_written is not { } written || !IsRam(address, length))
            return false;
        var end = address + length;
        foreach (var (start, stop) in written)
        {
            if (start < end && address < stop)
                return false;
        }
        return true;
    }

    /// <summary>A read-only view of <paramref name="length"/> bytes inside one region, for this assembly's checks (it changes nothing, so it keeps <see cref="IsKnownZero"/> knowing).</summary>
    internal ReadOnlySpan<byte> GetReadOnlySpan(ulong address, int length, out ulong contiguous)
    {
        var p = Translate(address, out contiguous);
        if (p == null || (ulong)length > contiguous || length < 0)
            throw new LoaderException(LoaderError.GuestAddressOutOfRange,
                $"[0x{address:x}, +0x{length:x}) is not inside one guest RAM region");
        return new ReadOnlySpan<byte>(p, length);
    }

    private void Written(ulong address, ulong length)
    {
        if (length > 0)
            _written?.Add((address, address + length));
    }

    /// <summary>Copies guest bytes into <paramref name="destination"/>.</summary>
    public void Read(ulong address, Span<byte> destination)
    {
        CheckRange(address, (ulong)destination.Length, "read");
        while (!destination.IsEmpty)
        {
            var p = Translate(address, out var run);
            var n = (int)Math.Min(run, (ulong)destination.Length);
            new ReadOnlySpan<byte>(p, n).CopyTo(destination);
            destination = destination[n..];
            address += (ulong)n;
        }
    }

    /// <summary>Copies <paramref name="source"/> into guest memory; nothing is written unless all of it fits.</summary>
    public void Write(ulong address, ReadOnlySpan<byte> source)
    {
        CheckRange(address, (ulong)source.Length, "write");
        Written(address, (ulong)source.Length);
        while (!source.IsEmpty)
        {
            var p = Translate(address, out var run);
            var n = (int)Math.Min(run, (ulong)source.Length);
            source[..n].CopyTo(new Span<byte>(p, n));
            source = source[n..];
            address += (ulong)n;
        }
    }

    /// <summary>
    /// Puts <paramref name="source"/> at <paramref name="address"/> as <see cref="Write(ulong, ReadOnlySpan{byte})"/>
    /// does, without copying where it can: when the bytes are a file's (<see cref="IFileBacked"/>, as a mapped kernel
    /// is) and the guest page and the file offset line up, whole pages are mapped copy-on-write from the file over the
    /// region's reservation, and only the unaligned head and tail are copied. Elsewhere (another OS, bytes in an array,
    /// offsets that do not line up, a range across regions, a short range) it copies. Nothing is touched unless all
    /// of it is RAM.
    /// </summary>
    /// <remarks>
    /// Whole pages of zeros at the end of the mapped part (a vmlinux whose last PT_LOAD carries .bss and .brk as zeros in
    /// the file) are neither mapped nor copied where the guest pages were never written: they already read as zero and
    /// stay unbacked, so the guest clearing its BSS costs the host nothing.
    /// </remarks>
    /// <returns>How many bytes were mapped (or left as the zeros they are) rather than copied.</returns>
    public ulong Load(ulong address, ReadOnlyMemory<byte> source)
    {
        CheckRange(address, (ulong)source.Length, "load");
        Written(address, (ulong)source.Length);
        var length = (ulong)source.Length;
        var host = Translate(address, out var run);
        var page = (ulong)Environment.SystemPageSize;
        if (length < MinimumMapLength || length > run
            || !MemoryMarshal.TryGetMemoryManager(source, out System.Buffers.MemoryManager<byte>? manager, out var start, out _)
            || manager is not IFileBacked file)
        {
            Write(address, source.Span);
            return 0;
        }
        var fileOffset = (ulong)file.FileOffset + (ulong)start;
        if (((ulong)host - fileOffset) % page != 0)
        {
            Write(address, source.Span);
            return 0;
        }
        var head = Math.Min((page - (ulong)host % page) % page, length);
        var aligned = (length - head) / page * page;
        var zeros = ZeroTail(address + head, file.File, (long)(fileOffset + head), (int)aligned);
        var mapped = aligned - zeros;
        if (mapped != 0 && !HostPages.TryMapFile(host + head, mapped, file.File, fileOffset + head))
        {
            Write(address, source.Span);
            return 0;
        }
        if (mapped != 0)
            Mapped(address + head, mapped, file.File, fileOffset + head);
        source.Span[..(int)head].CopyTo(new Span<byte>(host, (int)head));
        var tail = (int)(head + aligned);
        source.Span[tail..].CopyTo(new Span<byte>(host + tail, source.Length - tail));
        return aligned;
    }

    /// <summary>Below this, mapping costs more than it saves (a system call and page-table work against a short copy).</summary>
    private const ulong MinimumMapLength = 64 << 10;

    /// <summary>Sets <paramref name="length"/> guest bytes to <paramref name="value"/>.</summary>
    public void Fill(ulong address, ulong length, byte value)
    {
        CheckRange(address, length, "fill");
        Written(address, length);
        while (length > 0)
        {
            var p = Translate(address, out var run);
            var n = (int)Math.Min(Math.Min(run, length), int.MaxValue);
            new Span<byte>(p, n).Fill(value);
            length -= (ulong)n;
            address += (ulong)n;
        }
    }

    /// <summary>
    /// Reads exactly <paramref name="count"/> bytes from <paramref name="stream"/> straight into guest
    /// memory (no intermediate buffer). The range is checked before the first byte is read.
    /// </summary>
    public void CopyFrom(ulong address, Stream stream, ulong count)
    {
        CheckRange(address, count, "stream copy");
        Written(address, count);
        while (count > 0)
        {
            var p = Translate(address, out var run);
            var n = (int)Math.Min(Math.Min(run, count), int.MaxValue);
            stream.ReadExactly(new Span<byte>(p, n));
            count -= (ulong)n;
            address += (ulong)n;
        }
    }

    /// <summary>A copy of guest bytes (for checks and tests; not for hot paths).</summary>
    public byte[] ReadBytes(ulong address, int length)
    {
        var bytes = new byte[length];
        Read(address, bytes);
        return bytes;
    }

    /// <summary>Reads an unmanaged value (little-endian host layout).</summary>
    public T Read<T>(ulong address) where T : unmanaged
    {
        T value = default;
        Read(address, MemoryMarshal.AsBytes(new Span<T>(ref value)));
        return value;
    }

    /// <summary>Writes an unmanaged value (little-endian host layout).</summary>
    public void Write<T>(ulong address, in T value) where T : unmanaged
        => Write(address, MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)));

    /// <summary>Reads a byte.</summary>
    public byte ReadU8(ulong address) => Read<byte>(address);

    /// <summary>Reads a little-endian u16.</summary>
    public ushort ReadU16(ulong address) { Span<byte> b = stackalloc byte[2]; Read(address, b); return BinaryPrimitives.ReadUInt16LittleEndian(b); }

    /// <summary>Reads a little-endian u32.</summary>
    public uint ReadU32(ulong address) { Span<byte> b = stackalloc byte[4]; Read(address, b); return BinaryPrimitives.ReadUInt32LittleEndian(b); }

    /// <summary>Reads a little-endian u64.</summary>
    public ulong ReadU64(ulong address) { Span<byte> b = stackalloc byte[8]; Read(address, b); return BinaryPrimitives.ReadUInt64LittleEndian(b); }

    /// <summary>Writes a byte.</summary>
    public void WriteU8(ulong address, byte value) => Write(address, [value]);

    /// <summary>Writes a little-endian u16.</summary>
    public void WriteU16(ulong address, ushort value) { Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, value); Write(address, b); }

    /// <summary>Writes a little-endian u32.</summary>
    public void WriteU32(ulong address, uint value) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, value); Write(address, b); }

    /// <summary>Writes a little-endian u64.</summary>
    public void WriteU64(ulong address, ulong value) { Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(b, value); Write(address, b); }

    /// <summary>Reads a NUL-terminated ASCII string of at most <paramref name="max"/> bytes.</summary>
    public string ReadCString(ulong address, int max)
    {
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < max; i++)
        {
            var p = Translate(address + (ulong)i, out _);
            if (p == null || *p == 0)
                break;
            sb.Append((char)*p);
        }
        return sb.ToString();
    }

    private int FindRegion(ulong address)
    {
        for (var i = 0; i < _regions.Length; i++)
            if (_regions[i].Contains(address))
                return i;
        return -1;
    }

    /// <summary>Releases the host memory behind every region.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        // A constructor that rejected its layout leaves no host pages to release.
        if (_hosts is null)
        {
            GC.SuppressFinalize(this);
            return;
        }
        for (var i = 0; i < _hosts.Length; i++)
            if (_hosts[i] != null)
                HostPages.Release(_hosts[i], _regions[i].Size);
        GC.SuppressFinalize(this);
    }

    /// <summary>Returns the host memory if the owner forgot to.</summary>
    ~GuestMemory() => Dispose();
}
