using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>Data accesses: the CPU's side of the shared physical-access layer (<see cref="SoftMmu"/>), aborts and DC ZVA.</summary>
public sealed unsafe partial class Arm64Cpu
{
    private readonly CodeCache<A64Instruction> _code;
    private readonly Arm64Abort _abort = new();

    /// <summary>
    /// Drops every TLB entry and the current fetch page (translation or EL changes, TLBI), and ends a running chain after
    /// the current instruction: its links hold while the virtual page maps to the same code page with the same permissions.
    /// </summary>
    internal override void FlushTlb()
    {
        _mmu.Flush();
        _fetch.Flush();
        _codeBlockShift = 12; // the instruction TLB is empty: every code page is walked afresh
        BreakLinks();
    }

    /// <summary>
    /// A TLBI by address (Xt = <paramref name="operand"/>: VA[55:12] in bits 43:0, D8.13 "TLB maintenance instructions"):
    /// the TLB entries filled from a mapping holding that address go (<see cref="SoftMmu.FlushHolding"/>), the fetch cache
    /// whole, and host code's links only when one of them leads into the block that address may share with code
    /// (<see cref="LinksMayReach"/>). Linux's kernel-range flushes are of this kind: 47 K of
    /// them on the way to /init, each of which had voided every link.
    /// </summary>
    internal void FlushTlbAt(ulong operand)
    {
        var va = (operand & 0xFFF_FFFF_FFFF) << 12;
        if ((va >> 55 & 1) != 0)
            va |= 0xFF00_0000_0000_0000;
        _mmu.FlushHolding(va);
        _fetch.Flush();
        _run.Break();
        if (LinksMayReach(va))
            VoidHostLinks();
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
        => SoftMmu.TryLoad(_tlb, va, size, out var value) ? value : _mmu.ReadSlow(new Walker(this), va, size);

    /// <summary>Writes 1, 2, 4 or 8 bytes at a virtual address.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Write(ulong va, int size, ulong value)
    {
        if (!SoftMmu.TryStore(_tlb, va, size, value))
            _mmu.WriteSlow(new Walker(this), va, size, value);
    }

    /// <summary>Reads guest-physical memory (RAM, else MMIO, else all ones).</summary>
    internal ulong ReadPhysical(ulong physical, int size) => _mmu.ReadPhysical(physical, size, Pc);

    /// <summary>Writes guest-physical memory, dropping any decoded code it overlaps (and then ending a running chain, whose links it may have voided).</summary>
    internal void WritePhysical(ulong physical, int size, ulong value)
    {
        if (_mmu.WritePhysical(physical, size, value, Pc))
            BreakLinks();
    }

    /// <summary>Page-table entries: raw RAM reads, not recorded, not MMIO (a walk outside RAM reads 0: a fault).</summary>
    private ulong ReadTableEntry(ulong physical) => _mmu.ReadRaw(physical, 8);

    /// <summary>DC ZVA: zeroes the naturally aligned block of DCZID_EL0.BS words holding <paramref name="va"/>.</summary>
    internal void ZeroBlock(ulong va)
    {
        var bytes = 4UL << (int)(Identity.Dczid & 0xF);
        var start = va & ~(bytes - 1);
        for (ulong off = 0; off < bytes; off += 8)
            Write(start + off, 8, 0);
    }

    private protected override bool RefillTlb(ulong address, int size, bool write) => _mmu.Refill(new Walker(this), address, size, write);

    /// <summary>The page walk and facts <see cref="SoftMmu"/> needs on a TLB miss, as a struct so its slow path is compiled for this CPU.</summary>
    private readonly struct Walker(Arm64Cpu cpu) : IAddressTranslator
    {
        public ulong Translate(ulong address, AccessKind kind, out bool writable) => cpu.Translate(address, kind, out writable);

        public int BlockShift => cpu._leafShift;

        /// <summary>No wrap: AArch64 addresses are 64 bits (the walk rejects what does not fit the regime).</summary>
        public ulong Wrap(ulong address) => address;

        public ulong Pc => cpu.Pc;

        /// <summary>
        /// A running chain's links and a compiled block hold only while the page is not emptied: both stop after the
        /// writing instruction, and the loop looks the next instruction up afresh.
        /// </summary>
        public void CodeInvalidated() => cpu.BreakLinks();
    }
}
