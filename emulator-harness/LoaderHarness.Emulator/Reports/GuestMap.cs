using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Reports;

/// <summary>
/// The guest's memory as a boot left it, for reports to draw: the RAM regions and the gaps between them, the
/// memory map the kernel was given, and everything the loader and the VMM profile placed.
/// </summary>
public sealed record GuestMap
{
    /// <summary>RAM regions and the MMIO gaps between them, by address.</summary>
    public required IReadOnlyList<GuestMapArea> AddressSpace { get; init; }
    /// <summary>The memory map handed to the kernel, by address.</summary>
    public required IReadOnlyList<GuestMapArea> MemoryMap { get; init; }
    /// <summary>What was placed (kernel, initrd, command line, boot structure, page tables, stack...), by address.</summary>
    public required IReadOnlyList<GuestMapArea> Placed { get; init; }

    /// <summary>The map of a guest set up in <paramref name="memory"/> as <paramref name="setup"/> says.</summary>
    public static GuestMap Of(GuestMemory memory, GuestSetupResult setup)
    {
        var space = new List<GuestMapArea>();
        GuestRegion? previous = null;
        foreach (var region in memory.Regions.OrderBy(r => r.Start))
        {
            if (previous is { } p && region.Start > p.End)
                space.Add(new GuestMapArea("MMIO gap", GuestMapKind.MmioGap, p.End, region.Start - p.End));
            space.Add(new GuestMapArea("RAM", GuestMapKind.Ram, region.Start, region.Size));
            previous = region;
        }
        return new GuestMap
        {
            AddressSpace = space,
            MemoryMap = setup.MemoryMap.OrderBy(e => e.Address)
                .Select(e => new GuestMapArea(e.Type.ToString().ToLowerInvariant(), e.Type == MemoryType.Ram ? GuestMapKind.MapRam : GuestMapKind.MapReserved, e.Address, e.Size))
                .ToArray(),
            Placed = setup.Placements.Select(p => new GuestMapArea(p.Name, KindOf(p, setup), p.Address, p.Size)).ToArray(),
        };
    }

    /// <summary>The kind of a placement, from the names the loader gives them (Loader.Setup's X86GuestSetup, FdtGuestSetup, layouts).</summary>
    private static GuestMapKind KindOf(GuestPlacement p, GuestSetupResult setup)
    {
        if (p.Address == setup.BootStructureAddress)
            return GuestMapKind.BootStructure;
        var name = p.Name.ToLowerInvariant();
        return name switch
        {
            _ when name.StartsWith("kernel", StringComparison.Ordinal) => GuestMapKind.Kernel,
            _ when name.Contains("initrd") => GuestMapKind.Initrd,
            _ when name.Contains("command line") => GuestMapKind.CommandLine,
            _ when name.Contains("page table") => GuestMapKind.PageTables,
            _ when name.Contains("stack") => GuestMapKind.Stack,
            _ when name.Contains("pvh") || name.Contains("start_info") || name.Contains("zero page") || name.Contains("dtb") || name.Contains("device tree")
                || name.Contains("setup_data") => GuestMapKind.BootStructure,
            _ => GuestMapKind.Other,
        };
    }
}
