using LoaderHarness.Emulator.X86;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Emulator.Contracts;

/// <summary>Small readings contracts share: segment shapes, C strings in guest RAM, identity-map coverage.</summary>
internal static class GuestReads
{
    /// <summary>Base 0, limit 4 GiB − 1, present, 32-bit (or 64-bit code), and code read/exec or data read/write.</summary>
    public static bool IsFlat(Segment s, bool code)
    {
        var shape = s is { Base: 0, Limit: 0xFFFF_FFFF, Present: true, IsCodeOrData: true, Unusable: false };
        var kind = code ? (s.Type & 0xA) == 0xA : (s.Type & 0xA) == 0x2;
        return shape && kind && (s.Big || (code && s.Long));
    }

    /// <summary>Describes a segment cache for a detail line.</summary>
    public static string Describe(Segment s) => $"sel 0x{s.Selector:x} base 0x{s.Base:x} limit 0x{s.Limit:x} attr 0x{s.Attributes:x}";

    /// <summary>The length of the NUL-terminated string at <paramref name="address"/>, or null if none within <paramref name="max"/> bytes of RAM.</summary>
    public static int? StringLength(GuestMemory memory, ulong address, int max)
    {
        for (var i = 0; i < max; i++)
        {
            if (!memory.IsRam(address + (ulong)i, 1))
                return null;
            if (memory.ReadBytes(address + (ulong)i, 1)[0] == 0)
                return i;
        }
        return null;
    }

    /// <summary>The first page of <c>[start, start + length)</c> that is not identity-mapped and writable (walked outside the CPU), or null.</summary>
    public static ulong? FirstUnmapped(GuestMemory memory, ulong cr3, ulong start, ulong length)
    {
        for (var page = start & ~0xFFFUL; page < start + length; page += 0x1000)
            if (PageTableWalker.Translate(memory, cr3, page, writable: true) != page)
                return page;
        return null;
    }
}
