namespace LoaderHarness.Loader.Images.Elf;

/// <summary>Whether a VMM may use the PVH entry (linux-loader elf::PvhBootCapability).</summary>
public enum PvhEntryKind
{
    /// <summary>No PVH note in the image (linux-loader PvhEntryNotPresent).</summary>
    NotPresent,
    /// <summary>The note exists and its entry is usable (linux-loader PvhEntryPresent).</summary>
    Present,
    /// <summary>A load offset was requested, so the link-time PVH entry is not valid (linux-loader PvhEntryIgnored).</summary>
    Ignored,
}

/// <summary>
/// The relocatable-PVH note XEN_ELFNOTE_PHYS32_RELOC (type 19, Linux ≥ 6.12, arch/x86/platform/pvh/head.S):
/// the kernel may be loaded at any multiple of <see cref="Align"/> in [<see cref="Min"/>, <see cref="Max"/>].
/// </summary>
public readonly record struct PvhRelocation(uint Align, uint Min, uint Max);

/// <summary>The PVH result of an ELF load: kind, entry address when usable, and the relocation note if any.</summary>
public readonly record struct PvhBootCapability(PvhEntryKind Kind, ulong Entry, PvhRelocation? Relocation)
{
    /// <summary>No PVH note.</summary>
    public static PvhBootCapability NotPresent => new(PvhEntryKind.NotPresent, 0, null);

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        PvhEntryKind.Present => $"PVH entry at 0x{Entry:x}",
        PvhEntryKind.Ignored => "PVH entry ignored (load offset given)",
        _ => "no PVH entry",
    };
}
