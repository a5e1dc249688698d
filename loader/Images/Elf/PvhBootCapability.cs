namespace LoaderHarness.Loader.Images.Elf;

/// <summary>Whether a VMM may use the PVH entry (linux-loader elf::PvhBootCapability).</summary>
public enum PvhEntryKind
{
    /// <summary>No PVH note in the image (linux-loader PvhEntryNotPresent).</summary>
    NotPresent,
    /// <summary>The note exists and its entry is usable (linux-loader PvhEntryPresent).</summary>
    Present,
    /// <summary>
    /// The entry is not to be used even if present (linux-loader PvhEntryIgnored): a load offset moved the kernel,
    /// or — linux-loader's default — the image has no PT_NOTE at all.
    /// </summary>
    Ignored,
}

/// <summary>
/// The relocatable-PVH note XEN_ELFNOTE_PHYS32_RELOC (type 19; Xen public/elfnote.h; emitted by Linux ≥ 6.12,
/// arch/x86/platform/pvh/head.S): the kernel may be loaded at any multiple of <see cref="Align"/> whose first
/// byte is at or above <see cref="Min"/> and whose last byte is at or below <see cref="Max"/>. The note carries
/// up to three 32-bit values in the order align, min, max; the missing ones take their defaults (align: the
/// largest PT_LOAD p_align if at least 4 KiB, else 2 MiB; min 0; max 0xffffffff).
/// </summary>
/// <param name="Align">Required alignment of the image's start.</param>
/// <param name="Min">Lowest address the image's first byte may have.</param>
/// <param name="Max">Highest address the image's last byte may have.</param>
/// <param name="ValuesInNote">How many of the three values the note itself carried (0–3); the rest are defaults.</param>
public readonly record struct PvhRelocation(uint Align, uint Min, uint Max, int ValuesInNote = 3)
{
    /// <summary>elfnote.h: the alignment used when neither the note nor the PT_LOADs give one ≥ 4 KiB.</summary>
    public const uint DefaultAlign = 0x20_0000;
    /// <summary>elfnote.h: the default minimum start address.</summary>
    public const uint DefaultMin = 0;
    /// <summary>elfnote.h: the default maximum address of the last byte.</summary>
    public const uint DefaultMax = 0xFFFF_FFFF;

    /// <summary>
    /// Whether an image of <paramref name="size"/> bytes may start at <paramref name="start"/>: aligned, first byte
    /// ≥ min, last byte ≤ max (elfnote.h: "a maximum address for the last byte of the image").
    /// </summary>
    public bool Allows(ulong start, ulong size) =>
        Align != 0 && start % Align == 0 && start >= Min && size != 0
        && start + size - 1 >= start && start + size - 1 <= Max;
}

/// <summary>The PVH result of an ELF load: kind, entry address when usable, and the relocation note if any.</summary>
public readonly record struct PvhBootCapability(PvhEntryKind Kind, ulong Entry, PvhRelocation? Relocation)
{
    /// <summary>No PVH note.</summary>
    public static PvhBootCapability NotPresent => new(PvhEntryKind.NotPresent, 0, null);

    /// <summary>The entry is ignored (linux-loader's <c>Default</c>).</summary>
    public static PvhBootCapability Ignored => new(PvhEntryKind.Ignored, 0, null);

    /// <summary>linux-loader's Display text for <c>PvhBootCapability</c>.</summary>
    public override string ToString() => Kind switch
    {
        PvhEntryKind.Present => $"PVH entry point present at guest address: 0x{Entry:x}",
        PvhEntryKind.Ignored => "PVH entry point ignored",
        _ => "PVH entry point not present",
    };
}
