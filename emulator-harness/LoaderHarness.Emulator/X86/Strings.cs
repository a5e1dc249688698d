using Iced.Intel;
using LoaderHarness.Loader.Memory;
using static LoaderHarness.Emulator.X86.X86Cpu;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// Instruction handlers: MOVS, STOS, LODS, CMPS, SCAS, INS, OUTS with REP/REPE/REPNE in every address
/// size. Registers advance per element, so a fault mid-way leaves a restartable state (SDM Vol. 2 REP).
/// REP MOVS and REP STOS copy whole page runs through host memory when DF = 0 and segments are flat.
/// </summary>
internal static unsafe class Strings
{
    private const int Rcx = 1, Rsi = 6, Rdi = 7;
    private const int Es = (int)SegmentRegister.Es;

    private static void SetAddrReg(X86Cpu c, int reg, ulong value, int addrSize)
        => c.R[reg] = addrSize == 2 ? (c.R[reg] & ~0xFFFFUL) | (value & 0xFFFF) : value & Mask(addrSize);

    private static void Advance(X86Cpu c, int reg, ref DecodedInstruction d, ulong elements, int size)
    {
        var delta = elements * (ulong)size;
        SetAddrReg(c, reg, c.DirectionDown ? c.R[reg] - delta : c.R[reg] + delta, d.AddrSize);
    }

    private static ulong Count(X86Cpu c, ref DecodedInstruction d) => c.R[Rcx] & d.AddrMask;

    private static void SetCount(X86Cpu c, ref DecodedInstruction d, ulong value) => SetAddrReg(c, Rcx, value, d.AddrSize);

    private static bool Rep(ref DecodedInstruction d) => d.I.HasRepPrefix || d.I.HasRepnePrefix;

    private static Register Accumulator(int size) => size switch
    {
        1 => Register.AL,
        2 => Register.AX,
        4 => Register.EAX,
        _ => Register.RAX,
    };

    /// <summary>Whether a run of elements may be done through host pointers.</summary>
    private static bool FastEligible(X86Cpu c, ref DecodedInstruction d, bool usesSource)
        => !c.DirectionDown && d.AddrSize != 2
           && (c.Mode64 || (IsFlat(c, Es) && (!usesSource || IsFlat(c, d.Seg))));

    private static bool IsFlat(X86Cpu c, int seg)
    {
        ref var s = ref c.Seg[seg];
        return s.Base == 0 && s.Limit == 0xFFFF_FFFF && (s.Attributes & 0x1C) != 0x14;
    }

    public static void Movs(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.MemSize;
        if (!Rep(ref d))
        {
            MoveOne(c, ref d, size);
            return;
        }
        var fast = FastEligible(c, ref d, true);
        var left = c.RepAllowance;
        ulong done = 0;
        try
        {
            while (Count(c, ref d) != 0)
            {
                if (done == left)
                {
                    c.RepeatLater();
                    return;
                }
                if (fast && MoveRun(c, ref d, size, left - done, ref done))
                    continue;
                MoveOne(c, ref d, size);
                SetCount(c, ref d, Count(c, ref d) - 1);
                done++;
            }
        }
        finally
        {
            c.RetireRepeats(done);
        }
    }

    private static void MoveOne(X86Cpu c, ref DecodedInstruction d, int size)
    {
        var v = c.ReadMem(d.Seg, c.R[Rsi] & d.AddrMask, size);
        c.WriteMem(Es, c.R[Rdi] & d.AddrMask, size, v);
        Advance(c, Rsi, ref d, 1, size);
        Advance(c, Rdi, ref d, 1, size);
    }

    private static bool MoveRun(X86Cpu c, ref DecodedInstruction d, int size, ulong most, ref ulong done)
    {
        var src = c.LinearAddress(d.Seg, c.R[Rsi] & d.AddrMask, size, false);
        var dst = c.LinearAddress(Es, c.R[Rdi] & d.AddrMask, size, true);
        var n = Math.Min(Math.Min(Count(c, ref d), most), Math.Min((4096 - (src & 0xFFF)) / (ulong)size, (4096 - (dst & 0xFFF)) / (ulong)size));
        if (n == 0)
            return false;
        if (dst > src && dst < src + n * (ulong)size)
        {
            // The destination overlaps the source ahead of it (LZ4's match copy with an offset shorter than the match):
            // element by element, each one read is one written gap bytes earlier. Runs of whole elements within the gap
            // read only bytes already final when the run starts and write none they read, so they are copied at once.
            var gap = (dst - src) / (ulong)size;
            if (gap == 0)
                return false;
            n = Math.Min(n, gap);
        }
        var bytes = n * (ulong)size; // a source ahead of the destination reads each byte before it is overwritten: a memmove
        var s = c.HostPointer(src, write: false);
        var t = c.HostPointer(dst, write: true);
        if (s == null || t == null)
            return false;
        Buffer.MemoryCopy(s, t, (long)bytes, (long)bytes);
        Advance(c, Rsi, ref d, n, size);
        Advance(c, Rdi, ref d, n, size);
        SetCount(c, ref d, Count(c, ref d) - n);
        done += n;
        return true;
    }

    public static void Stos(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.MemSize;
        var v = c.ReadReg(Accumulator(size));
        if (!Rep(ref d))
        {
            c.WriteMem(Es, c.R[Rdi] & d.AddrMask, size, v);
            Advance(c, Rdi, ref d, 1, size);
            return;
        }
        var fast = FastEligible(c, ref d, false);
        var left = c.RepAllowance;
        ulong done = 0;
        var zeros = new ZeroProbe { Base = ulong.MaxValue };
        try
        {
            while (Count(c, ref d) != 0)
            {
                if (done == left)
                {
                    c.RepeatLater();
                    return;
                }
                if (fast && StoreRun(c, ref d, size, v, left - done, ref done, ref zeros))
                    continue;
                c.WriteMem(Es, c.R[Rdi] & d.AddrMask, size, v);
                Advance(c, Rdi, ref d, 1, size);
                SetCount(c, ref d, Count(c, ref d) - 1);
                done++;
            }
        }
        finally
        {
            c.RetireRepeats(done);
        }
    }

    private static bool StoreRun(X86Cpu c, ref DecodedInstruction d, int size, ulong v, ulong most, ref ulong done, ref ZeroProbe zeros)
    {
        var dst = c.LinearAddress(Es, c.R[Rdi] & d.AddrMask, size, true);
        var left = Math.Min(Count(c, ref d), most);
        var n = Math.Min(left, (4096 - (dst & 0xFFF)) / (ulong)size);
        if (n == 0)
            return false;
        var t = c.HostPointer(dst, write: true);
        if (t == null)
            return false;
        if (v == 0 && n * (ulong)size == 4096 && zeros.NeverWritten(c, c.PhysicalOfHostPointer(dst), left * (ulong)size / 4096))
        {
            // A whole page of zeros onto a page nothing ever wrote: it already reads as zero. The page is plain RAM,
            // unwatched and without decoded code (else there would be no host pointer), so nothing observes the store.
        }
        else
            switch (size)
            {
                case 1: new Span<byte>(t, (int)n).Fill((byte)v); break;
                case 2: new Span<ushort>(t, (int)n).Fill((ushort)v); break;
                case 4: new Span<uint>(t, (int)n).Fill((uint)v); break;
                default: new Span<ulong>(t, (int)n).Fill(v); break;
            }
        Advance(c, Rdi, ref d, n, size);
        SetCount(c, ref d, Count(c, ref d) - n);
        done += n;
        return true;
    }

    /// <summary>
    /// Which destination pages of one REP STOS of zeros nothing ever wrote (<see cref="GuestMemory.NeverWrittenPages"/>),
    /// asked once per run of up to 64 physically consecutive pages: the question is a system call, a first write to a
    /// fresh host page a page fault several times dearer. An answer holds only while the instruction executes: nothing
    /// else writes guest memory meanwhile, and its own stores skip exactly the pages found never written.
    /// </summary>
    private struct ZeroProbe
    {
        /// <summary>Guest-physical address of the page bit 0 of <see cref="Mask"/> describes (all ones before the first question).</summary>
        public ulong Base;

        /// <summary>One bit per page from <see cref="Base"/>: never written.</summary>
        public ulong Mask;

        /// <summary>How many pages from <see cref="Base"/> the last answer covers.</summary>
        public int Pages;

        /// <summary>Whether the page at <paramref name="physical"/> (page-aligned) was never written; <paramref name="ahead"/> is how many pages the store still covers from it.</summary>
        public bool NeverWritten(X86Cpu c, ulong physical, ulong ahead)
        {
            if (physical - Base >= (ulong)Pages << 12)
            {
                Base = physical;
                Pages = (int)Math.Min(Math.Max(ahead, 1), 64);
                Mask = c.Memory.NeverWrittenPages(physical, Pages);
            }
            return (Mask & (1UL << (int)((physical - Base) >> 12))) != 0;
        }
    }

    public static void Lods(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.MemSize;
        var rep = Rep(ref d);
        if (rep && Count(c, ref d) == 0)
            return;
        var left = c.RepAllowance;
        ulong done = 0;
        try
        {
            do
            {
                if (done == left)
                {
                    c.RepeatLater();
                    return;
                }
                c.WriteReg(Accumulator(size), c.ReadMem(d.Seg, c.R[Rsi] & d.AddrMask, size));
                Advance(c, Rsi, ref d, 1, size);
                if (rep)
                    SetCount(c, ref d, Count(c, ref d) - 1);
                done++;
            }
            while (rep && Count(c, ref d) != 0);
        }
        finally
        {
            c.RetireRepeats(done);
        }
    }

    public static void Cmps(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.MemSize;
        var rep = Rep(ref d);
        if (rep && Count(c, ref d) == 0)
            return;
        var left = c.RepAllowance;
        ulong done = 0;
        try
        {
            while (true)
            {
                if (done == left)
                {
                    c.RepeatLater();
                    return;
                }
                var a = c.ReadMem(d.Seg, c.R[Rsi] & d.AddrMask, size);
                var b = c.ReadMem(Es, c.R[Rdi] & d.AddrMask, size);
                c.SetLazy(LazyOp.Sub, a, b, (a - b) & Mask(size), size);
                Advance(c, Rsi, ref d, 1, size);
                Advance(c, Rdi, ref d, 1, size);
                if (!rep)
                    return;
                SetCount(c, ref d, Count(c, ref d) - 1);
                done++;
                if (Count(c, ref d) == 0 || (d.I.HasRepePrefix ? a != b : a == b))
                    return;
            }
        }
        finally
        {
            c.RetireRepeats(done);
        }
    }

    public static void Scas(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.MemSize;
        var rep = Rep(ref d);
        if (rep && Count(c, ref d) == 0)
            return;
        var a = c.ReadReg(Accumulator(size));
        var left = c.RepAllowance;
        ulong done = 0;
        try
        {
            while (true)
            {
                if (done == left)
                {
                    c.RepeatLater();
                    return;
                }
                var b = c.ReadMem(Es, c.R[Rdi] & d.AddrMask, size);
                c.SetLazy(LazyOp.Sub, a, b, (a - b) & Mask(size), size);
                Advance(c, Rdi, ref d, 1, size);
                if (!rep)
                    return;
                SetCount(c, ref d, Count(c, ref d) - 1);
                done++;
                if (Count(c, ref d) == 0 || (d.I.HasRepePrefix ? a != b : a == b))
                    return;
            }
        }
        finally
        {
            c.RetireRepeats(done);
        }
    }

    public static void Ins(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.MemSize;
        var rep = Rep(ref d);
        var left = c.RepAllowance;
        ulong done = 0;
        try
        {
            while (!rep || Count(c, ref d) != 0)
            {
                if (done == left)
                {
                    c.RepeatLater();
                    return;
                }
                var port = (ushort)c.R[2];
                c.CheckPortPermission(port, size);
                c.WriteMem(Es, c.R[Rdi] & d.AddrMask, size, c.Bus.In(port, size));
                Advance(c, Rdi, ref d, 1, size);
                if (!rep)
                    return;
                SetCount(c, ref d, Count(c, ref d) - 1);
                done++;
            }
        }
        finally
        {
            c.RetireRepeats(done);
        }
    }

    public static void Outs(X86Cpu c, ref DecodedInstruction d)
    {
        var size = d.MemSize;
        var rep = Rep(ref d);
        var left = c.RepAllowance;
        ulong done = 0;
        try
        {
            while (!rep || Count(c, ref d) != 0)
            {
                if (done == left)
                {
                    c.RepeatLater();
                    return;
                }
                var port = (ushort)c.R[2];
                c.CheckPortPermission(port, size);
                c.PortOut(port, size, (uint)c.ReadMem(d.Seg, c.R[Rsi] & d.AddrMask, size));
                Advance(c, Rsi, ref d, 1, size);
                if (!rep)
                    return;
                SetCount(c, ref d, Count(c, ref d) - 1);
                done++;
            }
        }
        finally
        {
            c.RetireRepeats(done);
        }
    }
}
