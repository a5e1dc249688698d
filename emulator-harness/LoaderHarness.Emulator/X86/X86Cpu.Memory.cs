using LoaderHarness.Emulator.Core;
using static LoaderHarness.Emulator.HostAccess;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace LoaderHarness.Emulator.X86;

/// <summary>Segmentation, the software TLB, physical access, code-cache coherence and access recording.</summary>
public sealed unsafe partial class X86Cpu
{
    private const int TlbSize = 1024;
    private readonly TlbEntry[] _tlbStore = GC.AllocateArray<TlbEntry>(TlbSize, pinned: true);
    private readonly TlbEntry* _tlb;
    private readonly List<(ulong Start, ulong End)> _watches = [];
    private readonly List<MemoryAccess> _accesses = [];

    /// <summary>Data accesses recorded inside the ranges given to <see cref="WatchPhysical"/>.</summary>
    public IReadOnlyList<MemoryAccess> RecordedAccesses => _accesses;

    /// <summary>Records every guest data read and write touching guest-physical <c>[start, start + length)</c>.</summary>
    public void WatchPhysical(ulong start, ulong length)
    {
        _watches.Add((start, start + length));
        FlushTlb();
    }

    /// <summary>Forgets recorded accesses (the watches stay).</summary>
    public void ClearRecordedAccesses() => _accesses.Clear();

    /// <summary>Drops every TLB entry (CR3 writes, paging-mode changes, CPL changes).</summary>
    internal void FlushTlb()
    {
        for (var i = 0; i < TlbSize; i++)
            _tlb[i].Page = ulong.MaxValue;
        FlushUpperCache();
        _fetchLinPage = ulong.MaxValue;
        BreakChain();
    }

    /// <summary>Drops the TLB entry of one linear page (INVLPG).</summary>
    internal void FlushTlbPage(ulong linear)
    {
        var page = linear >> 12;
        ref var e = ref _tlb[page & (TlbSize - 1)];
        if (e.Page == page)
            e.Page = ulong.MaxValue;
        FlushUpperCache(); // INVLPG drops every paging-structure cache entry (SDM Vol. 3A §4.10.4.1)
        _fetchLinPage = ulong.MaxValue;
        BreakChain();
    }

    /// <summary>Raises a guest exception: unwinds the current instruction to the run loop.</summary>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void Throw(int vector, uint errorCode = 0)
    {
        Fault.Vector = vector;
        Fault.ErrorCode = errorCode;
        throw Fault;
    }

    /// <summary>Reads through a segment.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong ReadMem(int seg, ulong offset, int size) => ReadLinear(LinearAddress(seg, offset, size, false), size);

    /// <summary>Writes through a segment.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void WriteMem(int seg, ulong offset, int size, ulong value) => WriteLinear(LinearAddress(seg, offset, size, true), size, value);

    /// <summary>Segment offset → linear address, with the limit and type checks of protected mode (SDM Vol. 3A §5.3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong LinearAddress(int seg, ulong offset, int size, bool write)
        => Mode64 ? offset + SegBase[seg] : LegacyLinear(seg, offset, size, write);

    private ulong LegacyLinear(int seg, ulong offset, int size, bool write)
    {
        ref var s = ref Seg[seg];
        var vector = seg == (int)SegmentRegister.Ss ? ExceptionVector.StackFault : ExceptionVector.GeneralProtection;
        var last = offset + (ulong)size - 1;
        if ((s.Attributes & 0x1C) == 0x14)
        {
            // Expand-down data segment: valid offsets are (limit, 0xFFFF or 0xFFFFFFFF].
            var upper = s.Big ? 0xFFFF_FFFFUL : 0xFFFFUL;
            if (offset <= s.Limit || last > upper)
                Throw(vector);
        }
        else if (last > s.Limit)
            Throw(vector);
        if ((_cr0 & ControlBits.Cr0Pe) != 0 && !InVirtual8086)
        {
            if (s.Unusable)
                Throw(vector);
            if (write && (s.Attributes & 0x1A) != 0x12)
                Throw(vector);
        }
        return (uint)(s.Base + offset);
    }

    /// <summary>Reads 1, 2, 4 or 8 bytes at a linear address.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong ReadLinear(ulong linear, int size)
    {
        var e = _tlb + ((linear >> 12) & (TlbSize - 1));
        var off = (uint)linear & 0xFFF;
        if (e->Page == linear >> 12 && off <= 4096u - (uint)size)
            return Load(e->Read + off, size);
        return ReadLinearSlow(linear, size);
    }

    /// <summary>Writes 1, 2, 4 or 8 bytes at a linear address.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void WriteLinear(ulong linear, int size, ulong value)
    {
        var e = _tlb + ((linear >> 12) & (TlbSize - 1));
        var off = (uint)linear & 0xFFF;
        if (e->Page == linear >> 12 && off <= 4096u - (uint)size && e->Write != null)
            Store(e->Write + off, size, value);
        else
            WriteLinearSlow(linear, size, value);
    }

    private ulong WrapLinear(ulong linear) => Mode64 ? linear : (uint)linear;

    private ulong ReadLinearSlow(ulong linear, int size)
    {
        if ((linear & 0xFFF) + (ulong)size > 4096)
        {
            // Straddles two pages: both must translate before anything is used.
            Translate(WrapLinear(linear + (ulong)size - 1), AccessKind.Read, out _);
            ulong v = 0;
            for (var i = 0; i < size; i++)
                v |= ReadLinear(WrapLinear(linear + (ulong)i), 1) << (8 * i);
            return v;
        }
        var pa = Translate(linear, AccessKind.Read, out var writable);
        var host = FillTlb(linear, pa, writable);
        return host != null ? Load(host + (linear & 0xFFF), size) : ReadPhysical(pa, size);
    }

    private void WriteLinearSlow(ulong linear, int size, ulong value)
    {
        if ((linear & 0xFFF) + (ulong)size > 4096)
        {
            Translate(linear, AccessKind.Write, out _);
            Translate(WrapLinear(linear + (ulong)size - 1), AccessKind.Write, out _);
            for (var i = 0; i < size; i++)
                WriteLinear(WrapLinear(linear + (ulong)i), 1, value >> (8 * i));
            return;
        }
        var pa = Translate(linear, AccessKind.Write, out var writable);
        FillTlb(linear, pa, writable);
        WritePhysical(pa, size, value);
    }

    /// <summary>Installs a TLB entry when the page is plain RAM; returns its host address or null.</summary>
    private byte* FillTlb(ulong linear, ulong physical, bool writable)
    {
        var ppage = physical & ~0xFFFUL;
        var host = Memory.TryTranslate(ppage, out var contiguous);
        if (host == null || contiguous < 4096 || IsWatched(ppage, 4096))
            return null;
        ref var e = ref _tlb[(linear >> 12) & (TlbSize - 1)];
        e.Page = linear >> 12;
        e.Read = host;
        e.Write = writable && !IsCodePage(ppage >> 12) ? host : null;
        e.Physical = ppage;
        return host;
    }

    private bool IsWatched(ulong physical, ulong length)
    {
        foreach (var (start, end) in _watches)
            if (physical < end && start < physical + length)
                return true;
        return false;
    }

    /// <summary>Reads guest-physical memory (RAM, else MMIO, else all ones).</summary>
    internal ulong ReadPhysical(ulong physical, int size)
    {
        var host = Memory.TryTranslate(physical, out var contiguous);
        var v = host != null && contiguous >= (ulong)size ? Load(host, size) : Bus.MmioRead(physical, size);
        if (_watches.Count != 0 && IsWatched(physical, (ulong)size))
            _accesses.Add(new MemoryAccess(false, physical, size, v, Rip));
        return v;
    }

    /// <summary>Writes guest-physical memory, dropping any cached code it overlaps.</summary>
    internal void WritePhysical(ulong physical, int size, ulong value)
    {
        if (_codePages.Count != 0)
            InvalidateCode(physical, size);
        if (_watches.Count != 0 && IsWatched(physical, (ulong)size))
            _accesses.Add(new MemoryAccess(true, physical, size, value, Rip));
        var host = Memory.TryTranslate(physical, out var contiguous);
        if (host != null && contiguous >= (ulong)size)
            Store(host, size, value);
        else
            Bus.MmioWrite(physical, size, value);
    }

    /// <summary>Page-table entries: raw RAM access, not recorded, not MMIO.</summary>
    private ulong ReadTableEntry(ulong physical, int size)
    {
        var host = Memory.TryTranslate(physical, out var contiguous);
        return host != null && contiguous >= (ulong)size ? Load(host, size) : 0;
    }

    private void WriteTableEntry(ulong physical, int size, ulong value)
    {
        if (_codePages.Count != 0)
            InvalidateCode(physical, size);
        var host = Memory.TryTranslate(physical, out var contiguous);
        if (host != null && contiguous >= (ulong)size)
            Store(host, size, value);
    }

    /// <summary>
    /// Host address for a linear address when the page is plain RAM reachable through the TLB (for a write:
    /// writable without a walk and holding no cached code); null otherwise. Translation faults are raised.
    /// </summary>
    internal byte* HostPointer(ulong linear, bool write)
    {
        var e = _tlb + ((linear >> 12) & (TlbSize - 1));
        if (e->Page != linear >> 12 || (write && e->Write == null))
        {
            var pa = Translate(linear, write ? AccessKind.Write : AccessKind.Read, out var fastWrite);
            FillTlb(linear, pa, fastWrite);
            if (e->Page != linear >> 12)
                return null;
        }
        var p = write ? e->Write : e->Read;
        return p == null ? null : p + (linear & 0xFFF);
    }
}
