using System.Runtime.CompilerServices;
using LoaderHarness.Emulator.Devices;
using LoaderHarness.Loader.Memory;
using static LoaderHarness.Emulator.Core.HostAccess;

namespace LoaderHarness.Emulator.Core;

/// <summary>
/// The physical-access layer both CPUs share: a direct-mapped software TLB and its allocation-free fast
/// paths, the TLB-miss path (page-crossing accesses, fill, RAM or MMIO), watched ranges with access
/// recording, and write-invalidation of decoded code. Only the page walk is per architecture: it comes in
/// through an <see cref="IAddressTranslator"/> struct, so each CPU gets its own compiled slow path.
/// </summary>
internal sealed unsafe class SoftMmu
{
    /// <summary>Entries of the direct-mapped TLB (a power of two).</summary>
    public const int TlbSize = 1024;

    private readonly TlbEntry[] _tlbStore = GC.AllocateArray<TlbEntry>(TlbSize, pinned: true);
    private readonly List<(ulong Start, ulong End)> _watches = [];
    private readonly List<MemoryAccess> _accesses = [];

    /// <summary>Creates the layer over <paramref name="memory"/> and <paramref name="bus"/>; writes invalidate <paramref name="code"/>.</summary>
    public SoftMmu(GuestMemory memory, IoBus bus, CodeCache code)
    {
        Memory = memory;
        Bus = bus;
        Code = code;
        Tlb = (TlbEntry*)Unsafe.AsPointer(ref _tlbStore[0]);
        Flush();
    }

    /// <summary>The pinned TLB (a CPU keeps a copy of the pointer so its fast path is one load away).</summary>
    public readonly TlbEntry* Tlb;

    /// <summary>Guest RAM.</summary>
    public GuestMemory Memory { get; }

    /// <summary>Where accesses outside RAM go.</summary>
    public IoBus Bus { get; }

    /// <summary>The decoded code that writes invalidate.</summary>
    public CodeCache Code { get; }

    /// <summary>Data accesses recorded inside watched ranges.</summary>
    public List<MemoryAccess> Accesses => _accesses;

    /// <summary>The fast path of a read: true with the value when the TLB maps the page and the access stays inside it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryLoad(TlbEntry* tlb, ulong address, int size, out ulong value)
    {
        var e = tlb + ((address >> 12) & (TlbSize - 1));
        var off = (uint)address & 0xFFF;
        if (e->Page == address >> 12 && off <= 4096u - (uint)size)
        {
            value = Load(e->Read + off, size);
            return true;
        }
        value = 0;
        return false;
    }

    /// <summary>The fast path of a write: true when the TLB allows a direct write to the page and the access stays inside it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryStore(TlbEntry* tlb, ulong address, int size, ulong value)
    {
        var e = tlb + ((address >> 12) & (TlbSize - 1));
        var off = (uint)address & 0xFFF;
        if (e->Page == address >> 12 && off <= 4096u - (uint)size && e->Write != null)
        {
            Store(e->Write + off, size, value);
            return true;
        }
        return false;
    }

    /// <summary>Drops every TLB entry.</summary>
    public void Flush()
    {
        for (var i = 0; i < TlbSize; i++)
            Tlb[i].Page = ulong.MaxValue;
    }

    /// <summary>Drops every TLB entry but those whose page <paramref name="kept"/> names at the entry's index.</summary>
    public void FlushExcept(ReadOnlySpan<ulong> kept)
    {
        for (var i = 0; i < TlbSize; i++)
        {
            if (Tlb[i].Page != kept[i])
                Tlb[i].Page = ulong.MaxValue;
        }
    }

    /// <summary>The size of the mapping each entry was filled from (<see cref="IAddressTranslator.BlockShift"/>).</summary>
    private readonly byte[] _blockShift = new byte[TlbSize];

    /// <summary>
    /// Drops every entry filled from a mapping that holds <paramref name="address"/>: its own page's, and those of the other
    /// pages of the block it lies in (a TLB maintenance operation by address drops the whole block's entry).
    /// </summary>
    public void FlushHolding(ulong address)
    {
        for (var i = 0; i < TlbSize; i++)
        {
            var page = Tlb[i].Page;
            if (page != ulong.MaxValue && (page << 12 ^ address) >> _blockShift[i] == 0)
                Tlb[i].Page = ulong.MaxValue;
        }
    }

    /// <summary>Makes writes to physical page <paramref name="ppn"/> take the slow path (code was decoded from it), keeping its read entries.</summary>
    public void WriteProtect(ulong ppn)
    {
        var physical = ppn << 12;
        for (var i = 0; i < TlbSize; i++)
            if (Tlb[i].Physical == physical)
                Tlb[i].Write = null;
    }

    /// <summary>The miss path of a read: translation, page-crossing, TLB fill, then RAM or <see cref="ReadPhysical"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public ulong ReadSlow<T>(T cpu, ulong address, int size)
        where T : struct, IAddressTranslator
    {
        if ((address & 0xFFF) + (ulong)size > 4096)
        {
            // Straddles two pages: both must translate before anything is used.
            cpu.Translate(cpu.Wrap(address + (ulong)size - 1), AccessKind.Read, out _);
            ulong v = 0;
            for (var i = 0; i < size; i++)
            {
                var a = cpu.Wrap(address + (ulong)i);
                v |= (TryLoad(Tlb, a, 1, out var b) ? b : ReadSlow(cpu, a, 1)) << (8 * i);
            }
            return v;
        }
        var pa = cpu.Translate(address, AccessKind.Read, out var writable);
        var host = Fill(address, pa, writable, cpu.BlockShift);
        return host != null ? Load(host + (address & 0xFFF), size) : ReadPhysical(pa, size, cpu.Pc);
    }

    /// <summary>The miss path of a write: translation (both pages first when it straddles), TLB fill, then <see cref="WritePhysical"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void WriteSlow<T>(T cpu, ulong address, int size, ulong value)
        where T : struct, IAddressTranslator
    {
        if ((address & 0xFFF) + (ulong)size > 4096)
        {
            cpu.Translate(address, AccessKind.Write, out _);
            cpu.Translate(cpu.Wrap(address + (ulong)size - 1), AccessKind.Write, out _);
            for (var i = 0; i < size; i++)
            {
                var a = cpu.Wrap(address + (ulong)i);
                if (!TryStore(Tlb, a, 1, value >> (8 * i)))
                    WriteSlow(cpu, a, 1, value >> (8 * i));
            }
            return;
        }
        var pa = cpu.Translate(address, AccessKind.Write, out var writable);
        Fill(address, pa, writable, cpu.BlockShift);
        if (WritePhysical(pa, size, value, cpu.Pc))
            cpu.CodeInvalidated();
    }

    /// <summary>
    /// Host address for a virtual address when the page is plain RAM reachable through the TLB (for a write:
    /// writable without a walk and holding no decoded code); null otherwise. Translation faults are raised.
    /// </summary>
    public byte* HostPointer<T>(T cpu, ulong address, bool write)
        where T : struct, IAddressTranslator
    {
        var e = Tlb + ((address >> 12) & (TlbSize - 1));
        if (e->Page != address >> 12 || (write && e->Write == null))
        {
            var pa = cpu.Translate(address, write ? AccessKind.Write : AccessKind.Read, out var writable);
            Fill(address, pa, writable, cpu.BlockShift);
            if (e->Page != address >> 12)
                return null;
        }
        var p = write ? e->Write : e->Read;
        return p == null ? null : p + (address & 0xFFF);
    }

    /// <summary>
    /// Host code's TLB miss (<c>HostTlb.Probe</c>): translates <paramref name="address"/> for the access and fills its entry
    /// as <see cref="ReadSlow{T}"/> and <see cref="WriteSlow{T}"/> do, without the access; true when the entry now serves
    /// <paramref name="size"/> bytes there (for a write, directly). A page-crossing access, MMIO, a watched page or a
    /// page holding decoded code is left to the interpreter. Translation faults are raised.
    /// </summary>
    public bool Refill<T>(T cpu, ulong address, int size, bool write)
        where T : struct, IAddressTranslator
    {
        var e = Tlb + ((address >> 12) & (TlbSize - 1));
        if ((address & 0xFFF) + (ulong)size > 4096 || (write && e->Page == address >> 12 && Code.Contains(e->Physical >> 12)))
            return false; // a store to decoded code (the kernel patching its text) is the interpreter's, which invalidates it: no walk first
        var pa = cpu.Translate(address, write ? AccessKind.Write : AccessKind.Read, out var writable);
        Fill(address, pa, writable, cpu.BlockShift);
        return e->Page == address >> 12 && (write ? e->Write : e->Read) != null;
    }

    /// <summary>Installs a TLB entry when the page is plain RAM and not watched; returns its host address or null.</summary>
    public byte* Fill(ulong address, ulong physical, bool writable, int blockShift)
    {
        var ppage = physical & ~0xFFFUL;
        var host = Memory.TryTranslate(ppage, out var contiguous);
        if (host == null || contiguous < 4096 || IsWatched(ppage, 4096))
            return null;
        ref var e = ref Tlb[(address >> 12) & (TlbSize - 1)];
        e.Page = address >> 12;
        e.Read = host;
        e.Write = writable && !Code.Contains(ppage >> 12) ? host : null;
        e.Physical = ppage;
        _blockShift[(address >> 12) & (TlbSize - 1)] = (byte)blockShift;
        return host;
    }

    /// <summary>Reads guest-physical memory (RAM, else MMIO, else all ones), recording it when watched.</summary>
    public ulong ReadPhysical(ulong physical, int size, ulong pc)
    {
        var host = Memory.TryTranslate(physical, out var contiguous);
        var v = host != null && contiguous >= (ulong)size ? Load(host, size) : Bus.MmioRead(physical, size);
        if (_watches.Count != 0 && IsWatched(physical, (ulong)size))
            _accesses.Add(new MemoryAccess(false, physical, size, v, pc));
        return v;
    }

    /// <summary>Writes guest-physical memory (RAM, else MMIO), recording it when watched; true when it dropped decoded code.</summary>
    public bool WritePhysical(ulong physical, int size, ulong value, ulong pc)
    {
        var dropped = !Code.IsEmpty && Code.InvalidateWrite(physical, size);
        if (_watches.Count != 0 && IsWatched(physical, (ulong)size))
            _accesses.Add(new MemoryAccess(true, physical, size, value, pc));
        var host = Memory.TryTranslate(physical, out var contiguous);
        if (host != null && contiguous >= (ulong)size)
            Store(host, size, value);
        else
            Bus.MmioWrite(physical, size, value);
        return dropped;
    }

    /// <summary>Page-table reads: raw RAM, not recorded, not MMIO (outside RAM reads 0, which the walks treat as not present).</summary>
    public ulong ReadRaw(ulong physical, int size)
    {
        var host = Memory.TryTranslate(physical, out var contiguous);
        return host != null && contiguous >= (ulong)size ? Load(host, size) : 0;
    }

    /// <summary>Page-table writes (accessed/dirty bits): raw RAM, not recorded; true when they dropped decoded code.</summary>
    public bool WriteRaw(ulong physical, int size, ulong value)
    {
        var dropped = !Code.IsEmpty && Code.InvalidateWrite(physical, size);
        var host = Memory.TryTranslate(physical, out var contiguous);
        if (host != null && contiguous >= (ulong)size)
            Store(host, size, value);
        return dropped;
    }

    /// <summary>Records every data access touching <c>[start, start + length)</c> from now on (its pages leave the TLB).</summary>
    public void Watch(ulong start, ulong length)
    {
        _watches.Add((start, End(start, length)));
        Flush();
    }

    /// <summary>Removes the watch <see cref="Watch"/> added for the same range (recorded accesses stay).</summary>
    public void Unwatch(ulong start, ulong length)
    {
        _watches.Remove((start, End(start, length)));
        Flush();
    }

    private static ulong End(ulong start, ulong length) => length > ulong.MaxValue - start ? ulong.MaxValue : start + length;

    private bool IsWatched(ulong physical, ulong length)
    {
        foreach (var (start, end) in _watches)
            if (physical < end && start < physical + length)
                return true;
        return false;
    }
}
