using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images.Elf;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Loader.Setup;

/// <summary>
/// Chooses where a relocatable PVH kernel goes (Xen public/elfnote.h XEN_ELFNOTE_PHYS32_RELOC: a start aligned to
/// the note's alignment, first byte ≥ min, last byte ≤ max; Linux arch/x86/platform/pvh/head.S then finds its own
/// load address and fixes its page tables). A candidate must also be all RAM above high memory and leave room
/// above it for the initrd, which this loader places above the kernel.
/// </summary>
internal static class PvhRelocationPlacement
{
    /// <summary>The image's new first byte, or null to load it at its link address.</summary>
    public static ulong? Start(GuestMemory memory, ElfKernel elf, PvhRelocation note, PvhRelocationRequest? request,
        ulong highMemoryStart, ulong initrdSize, ulong initrdTop)
    {
        var linkStart = elf.ImageStart;
        var size = elf.ImageSize;
        bool Usable(ulong start) =>
            note.Allows(start, size) && start >= highMemoryStart && memory.IsRam(start, size)
            && (initrdSize == 0 || start + size + AlignUp(initrdSize, InitrdPlacement.PageSize) <= initrdTop);

        if (request?.Address is { } address)
        {
            if (!note.Allows(address, size))
                throw new LoaderException(LoaderError.UnsupportedEntry,
                    $"PVH relocation to 0x{address:x} breaks XEN_ELFNOTE_PHYS32_RELOC: start must be a multiple of 0x{note.Align:x} at or above 0x{note.Min:x}, and the image's last byte (0x{address + size - 1:x}) at or below 0x{note.Max:x}");
            if (!memory.IsRam(address, size))
                throw new LoaderException(LoaderError.GuestAddressOutOfRange,
                    $"PVH relocation to 0x{address:x}: the 0x{size:x}-byte image [0x{address:x}, 0x{address + size:x}) is not all RAM");
            return address;
        }

        if (request?.Seed is null && Usable(linkStart))
            return null;
        var candidates = Candidates(memory, note, size, highMemoryStart).Where(Usable).ToArray();
        if (candidates.Length == 0)
            throw new LoaderException(LoaderError.GuestAddressOutOfRange,
                $"no start for the 0x{size:x}-byte PVH image satisfies XEN_ELFNOTE_PHYS32_RELOC (align 0x{note.Align:x}, min 0x{note.Min:x}, max 0x{note.Max:x}) in guest RAM");
        var chosen = request?.Seed is { } seed ? candidates[(int)(SplitMix64(seed) % (ulong)candidates.Length)] : candidates[0];
        return chosen == linkStart ? null : chosen;
    }

    /// <summary>Every aligned start inside the note's bounds that some RAM region could hold, lowest first.</summary>
    private static IEnumerable<ulong> Candidates(GuestMemory memory, PvhRelocation note, ulong size, ulong highMemoryStart)
    {
        if (size == 0 || note.Align == 0 || size - 1 > note.Max)
            yield break;
        var lastStart = note.Max - (size - 1);
        foreach (var region in memory.Regions)
        {
            var from = AlignUp(Math.Max(Math.Max(region.Start, note.Min), highMemoryStart), note.Align);
            for (var start = from; start <= lastStart && start >= from && start + size <= region.End; start += note.Align)
                yield return start;
        }
    }

    private static ulong AlignUp(ulong value, ulong align) => (value + align - 1) / align * align;

    /// <summary>SplitMix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014): one draw from a seed.</summary>
    private static ulong SplitMix64(ulong seed)
    {
        var z = seed + 0x9E37_79B9_7F4A_7C15;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EB;
        return z ^ (z >> 31);
    }
}
