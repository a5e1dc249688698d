namespace LoaderHarness.Loader.Setup;

/// <summary>
/// Where a relocatable PVH vmlinux (one carrying XEN_ELFNOTE_PHYS32_RELOC, Xen public/elfnote.h) goes: an explicit
/// <see cref="Address"/>, or one drawn with <see cref="Seed"/> from every aligned start the note and RAM allow
/// (physical KASLR for PVH). Neither: the link address when it is usable, else the lowest usable start.
/// </summary>
public sealed record PvhRelocationRequest
{
    /// <summary>The image's new first byte; must be a multiple of the note's alignment, inside its bounds and in RAM.</summary>
    public ulong? Address { get; init; }
    /// <summary>Draws the start uniformly (SplitMix64) from the usable candidates; the same seed gives the same start.</summary>
    public ulong? Seed { get; init; }
}
