using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// Linear → physical translation: 32-bit paging (with PSE), PAE, and 4-level paging with 4 KiB, 2 MiB
/// and 1 GiB pages; accessed/dirty bits; R/W with CR0.WP, U/S, NX with EFER.NXE; #PF error codes
/// (SDM Vol. 3A §4.3–§4.7). In 4-level paging a paging-structure cache remembers, per GiB of linear
/// space, the page directory its PML4E and PDPTE lead to (SDM Vol. 3A §4.10.3: dropped with the TLB by
/// CR3/CR4/CR0/EFER writes and by INVLPG), so a TLB miss reads two entries instead of four.
/// </summary>
public sealed partial class X86Cpu
{
    private const int UpperCacheSize = 64;
    private readonly UpperPagingEntry[] _upperCache = NewUpperCache();

    private static UpperPagingEntry[] NewUpperCache()
    {
        var cache = new UpperPagingEntry[UpperCacheSize];
        Array.Fill(cache, UpperPagingEntry.Empty);
        return cache;
    }

    /// <summary>Forgets every paging-structure cache entry.</summary>
    private void FlushUpperCache() => Array.Fill(_upperCache, UpperPagingEntry.Empty);

    private const ulong FrameMask = 0x000F_FFFF_FFFF_F000;
    private const ulong Present = 1, Writable = 2, User = 4, AccessedBit = 0x20, DirtyBit = 0x40, LargePage = 0x80;
    private const ulong NoExecute = 1UL << 63;

    /// <summary>
    /// Translates <paramref name="linear"/> for <paramref name="access"/>, raising #PF (or #GP for a
    /// non-canonical address). <paramref name="fastWrite"/> tells whether later writes may skip the walk
    /// (writable for this CPL and already dirty).
    /// </summary>
    internal ulong Translate(ulong linear, AccessKind access, out bool fastWrite)
    {
        if ((_cr0 & ControlBits.Cr0Pg) == 0)
        {
            fastWrite = true;
            _leafShift = 12;
            return linear;
        }
        if ((_efer & ControlBits.EferLma) != 0)
        {
            if ((ulong)((long)(linear << 16) >> 16) != linear)
                Throw(ExceptionVector.GeneralProtection);
            return Walk(linear, access, 4, _cr3 & FrameMask, 8, out fastWrite);
        }
        if ((_cr4 & ControlBits.Cr4Pae) != 0)
        {
            var pdpte = ReadTableEntry((_cr3 & 0xFFFF_FFE0) + ((linear >> 30) & 3) * 8, 8);
            if ((pdpte & Present) == 0)
                PageFault(linear, access, 0);
            return Walk(linear, access, 2, pdpte & FrameMask, 8, out fastWrite);
        }
        return Walk(linear, access, 2, _cr3 & 0xFFFF_F000, 4, out fastWrite);
    }

    private ulong Walk(ulong linear, AccessKind access, int levels, ulong table, int entrySize, out bool fastWrite)
    {
        Span<ulong> entryAddress = stackalloc ulong[4];
        var nxe = (_efer & ControlBits.EferNxe) != 0;
        bool writable = true, user = true, noExec = false;
        var indexBits = entrySize == 8 ? 9 : 10;
        var top = levels;

        // 4-level paging: start from the paging-structure cache when it knows this GiB's page directory.
        var cacheable = levels == 4;
        ref var upper = ref _upperCache[(int)((linear >> 30) & (UpperCacheSize - 1))];
        if (cacheable && upper.Tag == linear >> 30)
        {
            table = upper.Directory;
            writable = upper.Writable;
            user = upper.User;
            noExec = upper.NoExecute;
            top = 2;
        }
        var shift = 12 + indexBits * top;
        ulong entry = 0;
        ulong physical = 0;
        ulong directory = 0;
        bool directoryWritable = false, directoryUser = false, directoryNoExec = false;
        var level = top;
        for (; level >= 1; level--)
        {
            if (level == 2)
                (directory, directoryWritable, directoryUser, directoryNoExec) = (table, writable, user, noExec);
            shift -= indexBits;
            var index = (linear >> shift) & ((1UL << indexBits) - 1);
            var address = table + index * (ulong)entrySize;
            entryAddress[level - 1] = address;
            entry = ReadTableEntry(address, entrySize);
            if ((entry & Present) == 0)
                PageFault(linear, access, 0);
            if (entrySize == 8 && (entry & NoExecute) != 0 && !nxe)
                PageFault(linear, access, 1 | 8);
            writable &= (entry & Writable) != 0;
            user &= (entry & User) != 0;
            noExec |= nxe && (entry & NoExecute) != 0;
            var large = level > 1 && (entry & LargePage) != 0;
            if (large && entrySize == 4 && (_cr4 & ControlBits.Cr4Pse) == 0)
                large = false;
            if (large && level == 4)
                PageFault(linear, access, 1 | 8);
            if (large)
            {
                var pageMask = (1UL << shift) - 1;
                var frame = entrySize == 4
                    ? (entry & 0xFFC0_0000) | (((entry >> 13) & 0xFF) << 32)
                    : entry & FrameMask & ~pageMask;
                physical = frame | (linear & pageMask);
                _leafShift = shift;
                break;
            }
            if (level == 1)
            {
                physical = (entry & (entrySize == 4 ? 0xFFFF_F000 : FrameMask)) | (linear & 0xFFF);
                _leafShift = 12;
                break;
            }
            table = entry & (entrySize == 4 ? 0xFFFF_F000 : FrameMask);
        }

        var isUser = Cpl == 3 && !_implicitSupervisor;
        var wp = (_cr0 & ControlBits.Cr0Wp) != 0;
        if (isUser && !user)
            PageFault(linear, access, 1);
        if (access == AccessKind.Write && !writable && (isUser || wp))
            PageFault(linear, access, 1);
        if (access == AccessKind.Execute && noExec)
            PageFault(linear, access, 1);

        // Accessed on every level used, dirty on the leaf for writes (SDM Vol. 3A §4.8).
        for (var l = top; l >= level; l--)
        {
            var e = ReadTableEntry(entryAddress[l - 1], entrySize);
            var set = AccessedBit | (l == level && access == AccessKind.Write ? DirtyBit : 0);
            if ((e & set) != set)
                WriteTableEntry(entryAddress[l - 1], entrySize, e | set);
        }
        if (cacheable && top == 4 && level <= 2)
            upper = new UpperPagingEntry(linear >> 30, directory, directoryWritable, directoryUser, directoryNoExec);
        var dirty = access == AccessKind.Write || (entry & DirtyBit) != 0;
        fastWrite = dirty && (writable || (!isUser && !wp));
        // The G flag of the entry that maps the page (bit 8 of a PTE or of a large page's PDE or PDPTE), honoured with
        // CR4.PGE set (SDM Vol. 3A §4.10.2.4): the TLB entry this walk fills outlives a MOV to CR3.
        _globalPages[(int)((linear >> 12) & (SoftMmu.TlbSize - 1))] =
            (entry & GlobalBit) != 0 && (_cr4 & ControlBits.Cr4Pge) != 0 ? linear >> 12 : ulong.MaxValue;
        return physical;
    }

    private const ulong GlobalBit = 1UL << 8;

    /// <summary>Whether the walk that just translated <paramref name="linear"/> found it global (<see cref="_globalPages"/>); false without paging.</summary>
    private bool WalkedGlobal(ulong linear)
        => (_cr0 & ControlBits.Cr0Pg) != 0 && _globalPages[(int)((linear >> 12) & (SoftMmu.TlbSize - 1))] == linear >> 12;

    /// <summary>The size of the page the last translation walked to, as a shift (12; 21 or 22 for a large page; 30), <see cref="Core.IAddressTranslator.BlockShift"/>.</summary>
    private int _leafShift = 12;

    /// <summary>
    /// For each TLB entry, the linear page the walk that last chose it found global, or ulong.MaxValue: an entry whose page
    /// is named here was filled from a global translation (a walk that did not fill its entry leaves a page the entry
    /// does not hold, so it keeps no entry).
    /// </summary>
    private readonly ulong[] _globalPages = NewGlobalPages();

    private static ulong[] NewGlobalPages()
    {
        var pages = new ulong[SoftMmu.TlbSize];
        Array.Fill(pages, ulong.MaxValue);
        return pages;
    }

    /// <summary>Sets CR2 and raises #PF with P/W/U/I bits added to <paramref name="bits"/> (SDM Vol. 3A §4.7).</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void PageFault(ulong linear, AccessKind access, uint bits)
    {
        Cr2 = linear;
        if (access == AccessKind.Write)
            bits |= 2;
        if (Cpl == 3 && !_implicitSupervisor)
            bits |= 4;
        if (access == AccessKind.Execute && (_efer & ControlBits.EferNxe) != 0)
            bits |= 16;
        Throw(ExceptionVector.PageFault, bits);
    }
}
