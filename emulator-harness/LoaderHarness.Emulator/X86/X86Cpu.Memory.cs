using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.X86;

/// <summary>Segmentation and the CPU's side of the shared physical-access layer (<see cref="SoftMmu"/>): its page walk and fast paths.</summary>
public sealed unsafe partial class X86Cpu
{
    private readonly CodeCache<DecodedInstruction> _code;

    /// <summary>Drops every TLB entry (CR3 writes, paging-mode changes, CPL changes).</summary>
    internal override void FlushTlb()
    {
        _mmu.Flush();
        FlushUpperCache();
        _fetch.Flush();
        BreakLinks();
    }

    /// <summary>
    /// A MOV to CR3: every TLB entry but those of global pages goes (with CR4.PGE clear, none is global), and every
    /// paging-structure cache entry (SDM Vol. 3A §4.10.4.1, without PCIDs); the instruction TLB keeps its global entries
    /// too. Host code's links go as for any flush.
    /// </summary>
    private void FlushTlbKeepingGlobal()
    {
        _mmu.FlushExcept(_globalPages);
        FlushUpperCache();
        _fetch.FlushKeepingGlobal();
        BreakLinks();
    }

    /// <summary>
    /// INVLPG: drops the TLB entries of the page holding <paramref name="linear"/>, all of a large page's (the soft TLB
    /// holds it as 4 KiB entries, filled one by one; SDM Vol. 3A §4.10.4.1: INVLPG invalidates every TLB entry for the
    /// page, whatever its size).
    /// </summary>
    internal void FlushTlbPage(ulong linear)
    {
        _mmu.FlushHolding(linear);
        FlushUpperCache(); // INVLPG drops every paging-structure cache entry (SDM Vol. 3A §4.10.4.1)
        _fetch.Flush();
        BreakLinks();
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
        => SoftMmu.TryLoad(_tlb, linear, size, out var value) ? value : _mmu.ReadSlow(new Walker(this), linear, size);

    /// <summary>Writes 1, 2, 4 or 8 bytes at a linear address.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void WriteLinear(ulong linear, int size, ulong value)
    {
        if (!SoftMmu.TryStore(_tlb, linear, size, value))
            _mmu.WriteSlow(new Walker(this), linear, size, value);
    }

    private ulong WrapLinear(ulong linear) => Mode64 ? linear : (uint)linear;

    /// <summary>
    /// Reads a descriptor-table or TSS location: an implicit supervisor access whatever the CPL (SDM Vol. 3A
    /// §4.6.1), e.g. IRET to CPL 3 reading the new SS descriptor after CS already changed the CPL. At CPL 3 the
    /// walk is done as supervisor and the TLB entry it fills is dropped again, so user code never hits it.
    /// </summary>
    internal ulong ReadSystemLinear(ulong linear, int size)
    {
        if (Cpl != 3 || _implicitSupervisor)
            return ReadLinear(linear, size);
        _implicitSupervisor = true;
        try
        {
            return ReadLinear(linear, size);
        }
        finally
        {
            _implicitSupervisor = false;
            FlushTlb();
        }
    }

    /// <summary>Writes a descriptor-table location (the accessed bit) as an implicit supervisor access, like <see cref="ReadSystemLinear"/>.</summary>
    internal void WriteSystemLinear(ulong linear, int size, ulong value)
    {
        if (Cpl != 3 || _implicitSupervisor)
        {
            WriteLinear(linear, size, value);
            return;
        }
        _implicitSupervisor = true;
        try
        {
            WriteLinear(linear, size, value);
        }
        finally
        {
            _implicitSupervisor = false;
            FlushTlb();
        }
    }

    /// <summary>Reads guest-physical memory (RAM, else MMIO, else all ones).</summary>
    internal ulong ReadPhysical(ulong physical, int size) => _mmu.ReadPhysical(physical, size, Rip);

    /// <summary>Writes guest-physical memory, dropping any decoded code it overlaps.</summary>
    internal void WritePhysical(ulong physical, int size, ulong value)
    {
        if (_mmu.WritePhysical(physical, size, value, Rip))
            BreakLinks();
    }

    /// <summary>Page-table entries: raw RAM access, not recorded, not MMIO.</summary>
    private ulong ReadTableEntry(ulong physical, int size) => _mmu.ReadRaw(physical, size);

    private void WriteTableEntry(ulong physical, int size, ulong value)
    {
        if (_mmu.WriteRaw(physical, size, value))
            BreakLinks();
    }

    /// <summary>
    /// Host address for a linear address when the page is plain RAM reachable through the TLB (for a write:
    /// writable without a walk and holding no cached code); null otherwise. Translation faults are raised.
    /// </summary>
    internal byte* HostPointer(ulong linear, bool write) => _mmu.HostPointer(new Walker(this), linear, write);

    /// <summary>The guest-physical address of <paramref name="linear"/> right after <see cref="HostPointer"/> gave a pointer for it (from its TLB entry).</summary>
    internal ulong PhysicalOfHostPointer(ulong linear) => _mmu.Tlb[(linear >> 12) & (SoftMmu.TlbSize - 1)].Physical | (linear & 0xFFF);

    private protected override bool RefillTlb(ulong address, int size, bool write) => _mmu.Refill(new Walker(this), address, size, write);

    /// <summary>The page walk and facts <see cref="SoftMmu"/> needs on a TLB miss, as a struct so its slow path is compiled for this CPU.</summary>
    private readonly struct Walker(X86Cpu cpu) : IAddressTranslator
    {
        public ulong Translate(ulong address, AccessKind kind, out bool writable) => cpu.Translate(address, kind, out writable);

        public int BlockShift => cpu._leafShift;

        public ulong Wrap(ulong address) => cpu.WrapLinear(address);

        public ulong Pc => cpu.Rip;

        public void CodeInvalidated() => cpu.BreakLinks();
    }
}
