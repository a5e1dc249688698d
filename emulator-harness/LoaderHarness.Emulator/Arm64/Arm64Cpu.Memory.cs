using LoaderHarness.Emulator.Core;
using static LoaderHarness.Emulator.HostAccess;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>Data accesses: the software TLB, physical access, MMIO, code-cache coherence and access recording.</summary>
public sealed unsafe partial class Arm64Cpu
{
    private const int TlbSize = 1024;
    private readonly Arm64TlbEntry[] _tlbStore = GC.AllocateArray<Arm64TlbEntry>(TlbSize, pinned: true);
    private readonly Arm64TlbEntry* _tlb;
    private readonly List<(ulong Start, ulong End)> _watches = [];
    private readonly List<MemoryAccess> _accesses = [];
    private readonly Arm64Abort _abort = new();

    /// <summary>Data accesses recorded inside the ranges given to <see cref="WatchPhysical"/>.</summary>
    public IReadOnlyList<MemoryAccess> RecordedAccesses => _accesses;

    /// <summary>Records every guest data read and write touching guest-physical <c>[start, start + length)</c>.</summary>
    public void WatchPhysical(ulong start, ulong length)
    {
        _watches.Add((start, length > ulong.MaxValue - start ? ulong.MaxValue : start + length));
        FlushTlb();
    }

    /// <summary>Removes the watch <see cref="WatchPhysical"/> added for the same range (recorded accesses stay).</summary>
    public void UnwatchPhysical(ulong start, ulong length)
    {
        _watches.Remove((start, length > ulong.MaxValue - start ? ulong.MaxValue : start + length));
        FlushTlb();
    }

    /// <summary>Forgets recorded accesses (the watches stay).</summary>
    public void ClearRecordedAccesses() => _accesses.Clear();

    /// <summary>Drops every TLB entry and the current fetch page (translation or EL changes, TLBI).</summary>
    internal void FlushTlb()
    {
        for (var i = 0; i < TlbSize; i++)
            _tlb[i].Page = ulong.MaxValue;
        _fetchVaPage = ulong.MaxValue;
    }

    /// <summary>Ends the run from inside a handler; the current instruction does not complete.</summary>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void ThrowStop(StopReason reason, string detail)
    {
        _abort.IsStop = true;
        _abort.Reason = reason;
        _abort.Detail = detail;
        throw _abort;
    }

    /// <summary>Raises a synchronous exception from inside a handler (taken with ELR = this instruction).</summary>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void ThrowFault(uint exceptionClass, uint syndrome, ulong faultAddress)
    {
        _abort.IsStop = false;
        _abort.ExceptionClass = exceptionClass;
        _abort.Syndrome = syndrome;
        _abort.FaultAddress = faultAddress;
        throw _abort;
    }

    /// <summary>Reads 1, 2, 4 or 8 bytes at a virtual address.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong Read(ulong va, int size)
    {
        var e = _tlb + ((va >> 12) & (TlbSize - 1));
        var off = (uint)va & 0xFFF;
        if (e->Page == va >> 12 && off <= 4096u - (uint)size)
            return Load(e->Read + off, size);
        return ReadSlow(va, size);
    }

    /// <summary>Writes 1, 2, 4 or 8 bytes at a virtual address.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Write(ulong va, int size, ulong value)
    {
        var e = _tlb + ((va >> 12) & (TlbSize - 1));
        var off = (uint)va & 0xFFF;
        if (e->Page == va >> 12 && off <= 4096u - (uint)size && e->Write != null)
            Store(e->Write + off, size, value);
        else
            WriteSlow(va, size, value);
    }

    private ulong ReadSlow(ulong va, int size)
    {
        if ((va & 0xFFF) + (ulong)size > 4096)
        {
            // Straddles two pages: both must translate before anything is used.
            Translate(va + (ulong)size - 1, AccessKind.Read, out _);
            ulong v = 0;
            for (var i = 0; i < size; i++)
                v |= Read(va + (ulong)i, 1) << (8 * i);
            return v;
        }
        var pa = Translate(va, AccessKind.Read, out var writable);
        var host = FillTlb(va, pa, writable);
        return host != null ? Load(host + (va & 0xFFF), size) : ReadPhysical(pa, size);
    }

    private void WriteSlow(ulong va, int size, ulong value)
    {
        if ((va & 0xFFF) + (ulong)size > 4096)
        {
            Translate(va, AccessKind.Write, out _);
            Translate(va + (ulong)size - 1, AccessKind.Write, out _);
            for (var i = 0; i < size; i++)
                Write(va + (ulong)i, 1, value >> (8 * i));
            return;
        }
        var pa = Translate(va, AccessKind.Write, out var writable);
        FillTlb(va, pa, writable);
        WritePhysical(pa, size, value);
    }

    /// <summary>Installs a TLB entry when the page is plain RAM; returns its host address or null.</summary>
    private byte* FillTlb(ulong va, ulong pa, bool writable)
    {
        var ppage = pa & ~0xFFFUL;
        var host = Memory.TryTranslate(ppage, out var contiguous);
        if (host == null || contiguous < 4096 || IsWatched(ppage, 4096))
            return null;
        ref var e = ref _tlb[(va >> 12) & (TlbSize - 1)];
        e.Page = va >> 12;
        e.Read = host;
        e.Write = writable && !_codePages.ContainsKey(ppage >> 12) ? host : null;
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
            _accesses.Add(new MemoryAccess(false, physical, size, v, Pc));
        return v;
    }

    /// <summary>Writes guest-physical memory, dropping any cached code it overlaps.</summary>
    internal void WritePhysical(ulong physical, int size, ulong value)
    {
        if (_codePages.Count != 0)
            InvalidateCode(physical, size);
        if (_watches.Count != 0 && IsWatched(physical, (ulong)size))
            _accesses.Add(new MemoryAccess(true, physical, size, value, Pc));
        var host = Memory.TryTranslate(physical, out var contiguous);
        if (host != null && contiguous >= (ulong)size)
            Store(host, size, value);
        else
            Bus.MmioWrite(physical, size, value);
    }

    /// <summary>Page-table entries: raw RAM reads, not recorded, not MMIO (a walk outside RAM reads 0: a fault).</summary>
    private ulong ReadTableEntry(ulong physical)
    {
        var host = Memory.TryTranslate(physical, out var contiguous);
        return host != null && contiguous >= 8 ? *(ulong*)host : 0;
    }

    /// <summary>Drops cached code overlapping a physical write (self-modifying code, kernel alternatives).</summary>
    private void InvalidateCode(ulong physical, int size)
    {
        if (_codePages.TryGetValue(physical >> 12, out var page))
            page.Invalidate((int)(physical & 0xFFF), size);
        var end = physical + (ulong)size - 1;
        if (end >> 12 != physical >> 12 && _codePages.TryGetValue(end >> 12, out page))
            page.Invalidate(0, (int)(end & 0xFFF) + 1);
    }

    /// <summary>DC ZVA: zeroes the naturally aligned block of DCZID_EL0.BS words holding <paramref name="va"/>.</summary>
    internal void ZeroBlock(ulong va)
    {
        var bytes = 4UL << (int)(Identity.Dczid & 0xF);
        var start = va & ~(bytes - 1);
        for (ulong off = 0; off < bytes; off += 8)
            Write(start + off, 8, 0);
    }
}
