using System.Runtime.CompilerServices;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86.Tier2;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// Compiled blocks over two code pages. A hot loop that crosses a page boundary (the generic kernel's xz decompressor
/// has its literal loop across one, with an instruction straddling it) would leave its block at every crossing, and
/// the straddling instruction, which has no slot in either page, would run interpreted each time. So a block may also
/// hold code of one other page that the instruction TLB holds under the fetch's key, and instructions straddling into
/// it: a page a fetch set up since the last TLB flush, which the interpreter's chain reaches without a walk too. The
/// block runs only while the instruction TLB still maps that linear page to the same code page at the same
/// generation; the bytes of a straddling instruction are covered in both pages, so a write to them empties the page
/// and drops the block, as for any other instruction it holds.
/// </summary>
public sealed unsafe partial class X86Cpu
{
    private byte* _blockNextHost;
    private Func<ulong, int>? _blockFetch;

    /// <summary>
    /// For the translator: the decoded instruction at <paramref name="rip"/>, decoding it when needed, when a block
    /// headed in the fetch page may hold it: in the fetch page, in the one other page <paramref name="other"/>
    /// (linear page <paramref name="otherPage"/>; set when first needed), or straddling between the two. False
    /// otherwise (the block exits there). Nothing is walked and nothing faults.
    /// </summary>
    internal bool BlockInstructionAt(ulong rip, ref CodePage<DecodedInstruction>? other, ref ulong otherPage, out DecodedInstruction d)
    {
        d = default;
        if (rip > _fetchLimit)
            return false;
        var linear = Mode64 ? rip : (uint)(_csBase + rip);
        if (!BlockPage(linear >> 12, ref other, ref otherPage, out var page, out var host))
            return false;
        var offset = (int)(linear & 0xFFF);
        int slot = page.Slots[offset];
        if (slot != 0)
        {
            d = page.Entries[slot];
            return rip + (ulong)d.I.Length - 1 <= _fetchLimit;
        }

        // The next page's bytes, for an instruction that straddles into it, come only from a page the block may hold.
        CodePage<DecodedInstruction>? next = null;
        var nextOther = other;
        var nextOtherPage = otherPage;
        _blockNextHost = null;
        if (offset > 4096 - 15 && BlockPage((linear >> 12) + 1, ref nextOther, ref nextOtherPage, out next, out var nextHost))
            _blockNextHost = nextHost;
        _reader.Start(host, offset, linear, _blockFetch ??= BlockFetchByte);
        var decoder = _decoders[Bitness == 16 ? 0 : Bitness == 32 ? 1 : 2];
        decoder.IP = rip;
        decoder.Decode(out var instruction);
        DecodedInstructions++;
        var length = instruction.Length;
        if (instruction.IsInvalid || rip + (ulong)length - 1 > _fetchLimit)
            return false;
        if (offset + length <= 4096)
        {
            slot = page.Add(offset, length);
            Fill(ref page.Entries[slot], in instruction, linear);
            d = page.Entries[slot];
            return true;
        }
        if (next is null)
            return false;
        Fill(ref d, in instruction, linear);
        page.Cover(offset, 4096 - offset);
        next.Cover(0, offset + length - 4096);
        other = nextOther;
        otherPage = nextOtherPage;
        return true;
    }

    /// <summary>The code page of linear page <paramref name="linearPage"/> when a block headed in the fetch page may hold its code.</summary>
    private bool BlockPage(ulong linearPage, ref CodePage<DecodedInstruction>? other, ref ulong otherPage,
        out CodePage<DecodedInstruction> page, out byte* host)
    {
        if (linearPage == _fetch.VirtualPage && _fetch.Page is not null)
        {
            page = _fetch.Page;
            host = _fetch.Host;
            return true;
        }
        if ((other is not null && linearPage != otherPage) || !_fetch.Tlb.TryPeek(linearPage, FetchKey(linearPage << 12), out page, out host))
        {
            page = null!;
            host = null;
            return false;
        }
        other = page;
        otherPage = linearPage;
        return true;
    }

    private int BlockFetchByte(ulong linear) => _blockNextHost == null ? -1 : _blockNextHost[linear & 0xFFF];

    /// <summary>
    /// Whether the other page <paramref name="block"/> holds code of (if any) is still what it was translated from:
    /// mapped by the instruction TLB at its linear page, at the same generation, or found so again by a walk when the TLB
    /// lost the page (to another page at its entry, or a flush). When it can never be again (the page changed, or the
    /// linear page now maps elsewhere or not at all) the entry <paramref name="head"/> forgets the block, so it is compiled
    /// anew when hot.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool OtherPageHolds(X86CompiledBlock block, ref DecodedInstruction head)
    {
        if (block.OtherPage is not { } other)
            return true;
        var key = FetchKey(block.OtherLinearPage << 12);
        if (other.Generation == block.OtherGeneration && _fetch.Tlb.Holds(block.OtherLinearPage, key, other))
            return true;
        if (other.Generation == block.OtherGeneration && !_fetch.Tlb.TryPeek(block.OtherLinearPage, key, out _, out _)
            && WalksTo(block.OtherLinearPage << 12, other))
            return true;
        head.Compiled = 0;
        head.Heat = 0;
        _blocks!.Disown(); // chained links to the block are void too
        return false;
    }

    /// <summary>
    /// Whether a walk maps <paramref name="linear"/> to <paramref name="other"/>'s code page, which the instruction TLB then
    /// holds again. The walk is the block's look ahead, not an access of the guest's: a fault leaves CR2 as it was.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool WalksTo(ulong linear, CodePage<DecodedInstruction> other)
    {
        var cr2 = Cr2;
        try
        {
            var physical = Translate(linear, AccessKind.Execute, out _);
            var host = Memory.TryTranslate(physical & ~0xFFFUL, out var contiguous);
            if (host == null || contiguous < 4096 || !ReferenceEquals(FetchPage(physical >> 12, linear), other))
                return false;
            _fetch.Remember(linear, other, host, WalkedGlobal(linear));
            return true;
        }
        catch (GuestFault)
        {
            Cr2 = cr2;
            return false;
        }
    }
}
