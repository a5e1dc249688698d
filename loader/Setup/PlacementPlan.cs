using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Loader.Setup;

/// <summary>
/// Collects every guest range a setup will write, checks that each is RAM and none overlap, then
/// writes them all or — if any write fails — puts back what was there.
/// </summary>
internal sealed class PlacementPlan(GuestMemory memory)
{
    private readonly List<(GuestPlacement Placement, Action<GuestMemory>? Write)> _items = [];

    public IReadOnlyList<GuestPlacement> Placements => _items.Select(i => i.Placement).OrderBy(p => p.Address).ToArray();

    /// <summary>Adds a range; <paramref name="write"/> null means "kept free" (checked, not written).</summary>
    public void Add(GuestPlacement placement, Action<GuestMemory>? write)
    {
        if (placement.Address + placement.Size < placement.Address)
            throw new LoaderException(LoaderError.MemoryOverflow, $"{placement.Name} at 0x{placement.Address:x} + 0x{placement.Size:x} overflows");
        if (write is not null && !memory.IsRam(placement.Address, placement.Size))
            throw new LoaderException(LoaderError.BootStructurePastRamEnd,
                $"{placement.Name} [0x{placement.Address:x}, 0x{placement.End:x}) is not in guest RAM");
        foreach (var (other, _) in _items)
            if (other.Overlaps(placement))
                throw new LoaderException(LoaderError.PlacementOverlap,
                    $"{placement.Name} [0x{placement.Address:x}, 0x{placement.End:x}) overlaps {other.Name} [0x{other.Address:x}, 0x{other.End:x})");
        _items.Add((placement, write));
    }

    /// <summary>Adds bytes to be written at an address.</summary>
    public void Add(string name, ulong address, byte[] bytes) =>
        Add(new GuestPlacement(name, address, (ulong)bytes.Length), m => m.Write(address, bytes));

    /// <summary>Writes every range; on failure restores them all and rethrows.</summary>
    public void Commit()
    {
        using var journal = new WriteJournal(memory);
        try
        {
            foreach (var (placement, write) in _items)
            {
                if (write is null)
                    continue;
                journal.Save(placement.Address, placement.Size);
                write(memory);
            }
        }
        catch
        {
            journal.Restore();
            throw;
        }
    }
}
