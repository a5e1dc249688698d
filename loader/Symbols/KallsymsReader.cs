using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images.Elf;

namespace LoaderHarness.Loader.Symbols;

/// <summary>
/// Recovers a kernel's symbols from its own kallsyms tables, for kernels shipped without a real System.map:
/// from a vmlinux ELF (x86-64, the bzImage payload) or a raw image (arm64 Image), in every layout
/// scripts/kallsyms.c has written since 5.x — absolute <c>kallsyms_addresses</c> (up to 6.10), base-relative
/// <c>kallsyms_offsets</c> + <c>kallsyms_relative_base</c> (with absolute per-CPU on x86-64 SMP up to 6.14) or
/// place-relative offsets (7.0+), the address table before the names (up to 6.3) or after the token index
/// (6.4+), one-byte name lengths or ULEB128 ones (6.1+), with or without <c>kallsyms_seqs_of_names</c> (6.2+).
/// The tables are found by their structure, not by symbol names; see <see cref="KallsymsAddressing"/> for the
/// kernel commits behind each form.
/// </summary>
public static class KallsymsReader
{
    /// <summary>The symbols of <paramref name="kernel"/>; <see cref="LoaderError.KallsymsNotFound"/> if it has no usable table.</summary>
    public static SymbolTable Recover(ReadOnlySpan<byte> kernel) => Read(kernel).Symbols;

    /// <summary>The symbols and kallsyms layout of <paramref name="kernel"/> (ELF vmlinux or raw image).</summary>
    /// <exception cref="LoaderException"><see cref="LoaderError.KallsymsNotFound"/>: no consistent table.</exception>
    public static KallsymsTable Read(ReadOnlySpan<byte> kernel) =>
        TryRead(kernel) ?? throw new LoaderException(LoaderError.KallsymsNotFound,
            "no kallsyms_token_table/kallsyms_token_index pair with a consistent kallsyms_num_syms/names/markers and address table " +
            (ElfHeader.HasMagic(kernel) ? "in any PT_LOAD" : "in the image") + " (CONFIG_KALLSYMS off?)");

    /// <summary>
    /// <paramref name="symbols"/>, recovered from <paramref name="kernel"/> earlier (a cached table), as <see cref="TryRead"/>
    /// gives them but without its scan, and without the layout. An arm64 Image's <see cref="KallsymsTable.ImageBase"/> is its
    /// entry symbol's address less the offset the header's branch gives that symbol: what every placement the scan accepts
    /// makes it (linked in place, relocated with or without the link address, place-relative).
    /// </summary>
    public static KallsymsTable ForImage(SymbolTable symbols, ReadOnlySpan<byte> kernel)
    {
        ulong? imageBase = null;
        if (!ElfHeader.HasMagic(kernel) && Arm64ImagePlacement.IsArm64Image(kernel) && Arm64ImagePlacement.EntryOffset(kernel) is { } entry)
        {
            foreach (var name in Arm64ImagePlacement.EntryNames)
            {
                if (symbols.TryGet(name, out var symbol) && char.ToUpperInvariant(symbol.Type) == 'T')
                {
                    imageBase = symbol.Address - (ulong)entry;
                    break;
                }
            }
        }
        return new KallsymsTable(symbols, null, imageBase);
    }

    /// <summary>The symbols and kallsyms layout of <paramref name="kernel"/>, or null when it has no usable table.</summary>
    public static KallsymsTable? TryRead(ReadOnlySpan<byte> kernel)
    {
        if (!ElfHeader.HasMagic(kernel))
            return Scan(kernel, new Placement(null, kernel, 0));
        var elf = ElfKernel.Parse(kernel);
        foreach (var ph in elf.ProgramHeaders)
        {
            if (ph.Type != ElfProgramHeader.TypeLoad || ph.FileSize == 0)
                continue;
            if (Scan(kernel.Slice((int)ph.Offset, (int)ph.FileSize), new Placement(elf, default, ph.VirtualAddress)) is { } table)
                return table;
        }
        return null;
    }

    /// <summary>What tells a candidate's addresses apart: the ELF's program headers and the scanned segment's address, or the raw image itself.</summary>
    private readonly ref struct Placement(ElfKernel? elf, ReadOnlySpan<byte> raw, ulong segmentAddress)
    {
        public ElfKernel? Elf { get; } = elf;
        public ReadOnlySpan<byte> Raw { get; } = raw;
        public ulong SegmentAddress { get; } = segmentAddress;
    }

    private static KallsymsTable? Scan(ReadOnlySpan<byte> s, Placement placement)
    {
        for (var index = 0; index + KallsymsNames.TokenIndexBytes <= s.Length; index += 8)
        {
            if (!KallsymsNames.TryFindAt(s, index, out var names))
                continue;
            foreach (var candidate in KallsymsAddresses.Candidates(names))
            {
                if (KallsymsAddresses.Read(s, candidate, names.Count) is not { } decoded)
                    continue;
                if (Place(decoded, names, placement) is not { } placed)
                    continue;
                var (relativeBase, imageBase) = placed;
                // Addresses now (one pass over integers); names when a lookup asks for them.
                var addresses = new ulong[names.Count];
                for (var i = 0; i < addresses.Length; i++)
                    addresses[i] = KallsymsAddresses.Resolve(decoded, i, relativeBase);
                var layout = new KallsymsLayout(decoded.Order, decoded.Addressing, names.SeqsOfNamesWidth, names.TwoByteLengths, names.OneByteLengths);
                return new KallsymsTable(new SymbolTable(addresses, names.Names), layout, imageBase);
            }
        }
        return null;
    }

    /// <summary>The base to add to the offsets and, for a raw image, its link address; null when the candidate does not fit.</summary>
    private static (ulong RelativeBase, ulong? ImageBase)? Place(in KallsymsAddresses.Decoded d, KallsymsNames.Found names, Placement placement)
    {
        var elf = placement.Elf;
        var raw = placement.Raw;
        var arm64 = elf is null && Arm64ImagePlacement.IsArm64Image(raw);
        var entry = arm64 ? Arm64ImagePlacement.EntryOffset(raw) : null;
        var entryRaw = entry is null ? null : RawOfEntry(d, names);

        if (d.Addressing == KallsymsAddressing.PlaceRelative)
        {
            // Positions in the scanned span: an ELF segment's address makes them addresses. In a raw Image they are
            // Image offsets, which the header's branch must confirm; nothing relocated names the link address.
            if (elf is not null)
                return Inside(elf, placement.SegmentAddress + d.Raw[^1]) ? (placement.SegmentAddress, null) : null;
            return entry is { } e && entryRaw == (ulong)e ? (0UL, 0UL) : null;
        }

        var relativeBase = d.Addressing == KallsymsAddressing.Absolute ? 0 : d.Base;
        if (elf is not null)
        {
            // The base is a place in the image (scripts/kallsyms.c: the lowest relative symbol); absolute
            // addresses have no base, so their highest must be one.
            var placed = d.Addressing == KallsymsAddressing.Absolute ? KallsymsAddresses.Resolve(d, d.Raw.Length - 1, 0) : relativeBase;
            return Inside(elf, placed) ? (relativeBase, null) : null;
        }

        if (d.Addressing == KallsymsAddressing.Absolute || relativeBase != 0)
        {
            // Linked in place (a non-relocatable Image, or a raw x86 kernel): kernel addresses are in the top half.
            var last = KallsymsAddresses.Resolve(d, d.Raw.Length - 1, relativeBase);
            if ((long)last >= 0)
                return null;
            var at = IndexOfEntry(names);
            ulong? imageBase = entry is { } e && at >= 0 ? KallsymsAddresses.Resolve(d, at, relativeBase) - (ulong)e : null;
            return (relativeBase, imageBase);
        }

        // A relocatable arm64 Image: kallsyms_relative_base is filled at boot. The entry branch gives
        // relative_base's image offset; its R_AARCH64_RELATIVE entry gives the link address.
        if (entry is not { } entryOffset || entryRaw is not { } offset || d.BaseAt < 0 || entryOffset < (long)offset)
            return null;
        var delta = (ulong)entryOffset - offset;
        if (Arm64ImagePlacement.LinkAddress(raw, d.BaseAt, delta) is { } link)
            return (link + delta, link);
        return (delta, 0UL);
    }

    /// <summary>The raw table value of the symbol the arm64 header branches to, or null.</summary>
    private static ulong? RawOfEntry(in KallsymsAddresses.Decoded d, KallsymsNames.Found names)
    {
        var i = IndexOfEntry(names);
        return i < 0 ? null : d.Raw[i];
    }

    private static int IndexOfEntry(KallsymsNames.Found names)
    {
        foreach (var entryName in Arm64ImagePlacement.EntryNames)
        {
            foreach (var i in names.Names.IndicesOf(entryName))
            {
                if (char.ToUpperInvariant(names.Names.Get(i).Type) == 'T')
                    return i;
            }
        }
        return -1;
    }

    /// <summary>Whether a PT_LOAD holds <paramref name="address"/> or ends there (<c>_end</c> is the last symbol of a KALLSYMS_ALL table).</summary>
    private static bool Inside(ElfKernel elf, ulong address)
    {
        foreach (var ph in elf.ProgramHeaders)
        {
            if (ph.Type == ElfProgramHeader.TypeLoad && address >= ph.VirtualAddress && address - ph.VirtualAddress <= ph.MemorySize)
                return true;
        }
        return false;
    }
}
