using LoaderHarness.Loader.Boot.Fdt;

namespace LoaderHarness.Emulator.Contracts;

/// <summary>
/// What the DTB the loader wrote for an arm64 boot tells the kernel: its RAM (<c>/memory</c> nodes' <c>reg</c>) and
/// where its PL011 is. Read from the blob the loader produced, not from guest memory, so a kernel that scribbles on
/// its DTB cannot change what it is judged against.
/// </summary>
internal static class DtbFacts
{
    /// <summary>
    /// The RAM the <c>/memory</c> nodes describe, sorted, with touching banks merged as memblock merges them
    /// (mm/memblock.c memblock_merge_regions); empty when the boot structure is not a DTB.
    /// </summary>
    public static IReadOnlyList<(ulong Address, ulong Size)> Memory(BootCase b)
    {
        if (Read(b) is not { } tree)
            return [];
        var (addressCells, sizeCells) = Cells(tree.Root);
        var banks = new List<(ulong Address, ulong Size)>();
        foreach (var node in tree.Root.Children)
        {
            // DT spec v0.4 §3.4: a memory node is named "memory" and has device_type = "memory".
            if ((node.Name == "memory" || node.Name.StartsWith("memory@", StringComparison.Ordinal)) && node.FindProperty("reg") is { } reg)
                banks.AddRange(Regions(reg, addressCells, sizeCells));
        }
        banks.Sort();
        var merged = new List<(ulong Address, ulong Size)>();
        foreach (var bank in banks)
        {
            if (bank.Size == 0)
                continue;
            if (merged.Count > 0 && merged[^1].Address + merged[^1].Size == bank.Address)
                merged[^1] = (merged[^1].Address, merged[^1].Size + bank.Size);
            else
                merged.Add(bank);
        }
        return merged;
    }

    /// <summary>
    /// The first <c>reg</c> address of the node compatible with <c>"arm,pl011"</c> (Linux bindings serial/pl011.yaml),
    /// or null when the DTB has none.
    /// </summary>
    public static ulong? Pl011(BootCase b)
    {
        if (Read(b) is not { } tree)
            return null;
        var (addressCells, sizeCells) = Cells(tree.Root);
        foreach (var node in tree.Root.Children)
        {
            if (node.FindProperty("compatible") is { } compatible && compatible.AsStringList().Contains("arm,pl011")
                && node.FindProperty("reg") is { } reg && Regions(reg, addressCells, sizeCells).FirstOrDefault() is { Size: > 0 } first)
                return first.Address;
        }
        return null;
    }

    private static FdtTree? Read(BootCase b)
    {
        try
        {
            return FdtReader.Read(b.Guest.BootStructure);
        }
        catch (LoaderHarness.Loader.Errors.LoaderException)
        {
            return null;
        }
    }

    /// <summary>The root's #address-cells and #size-cells (DT spec v0.4 §2.3.5: 2 and 1 when absent).</summary>
    private static (int Address, int Size) Cells(FdtNode root) =>
        ((int?)root.FindProperty("#address-cells")?.AsU32() ?? 2, (int?)root.FindProperty("#size-cells")?.AsU32() ?? 1);

    private static IEnumerable<(ulong Address, ulong Size)> Regions(FdtProperty reg, int addressCells, int sizeCells)
    {
        var cells = reg.AsU32Array();
        var stride = addressCells + sizeCells;
        for (var i = 0; stride > 0 && i + stride <= cells.Length; i += stride)
            yield return (Number(cells.AsSpan(i, addressCells)), Number(cells.AsSpan(i + addressCells, sizeCells)));
    }

    private static ulong Number(ReadOnlySpan<uint> cells)
    {
        ulong value = 0;
        foreach (var cell in cells)
            value = (value << 32) | cell;
        return value;
    }
}
