namespace LoaderHarness.Loader.Images.Elf;

/// <summary>
/// Which reading of a vmlinux's PVH notes <see cref="ElfKernel.Plan(Memory.GuestMemory, ulong?, ulong?, PvhNoteRules)"/>
/// applies. The two differ only in what they report or reject, never in where segments go.
/// </summary>
public enum PvhNoteRules
{
    /// <summary>
    /// rust-vmm linux-loader v0.14 <c>Elf::load</c> exactly (src/loader/elf/mod.rs): no PT_NOTE leaves its
    /// default <c>PvhEntryIgnored</c>; any <c>kernel_offset</c>, 0 included, gives <c>PvhEntryIgnored</c> without
    /// reading a note (so a broken note cannot fail the load); each PT_NOTE overwrites the answer, so the last
    /// one wins; within a segment the first Xen PHYS32_ENTRY note is taken, and its 4 entry bytes are read even
    /// when its descsz runs past the segment (only the end of the file stops it). Note 19 is not read.
    /// </summary>
    LinuxLoader,

    /// <summary>
    /// This loader's stricter reading, used by guest setup: no Xen PHYS32_ENTRY note is <c>NotPresent</c>;
    /// offset 0 keeps the entry; notes are validated whatever the offset (a broken note fails the load); a Xen
    /// note 18 or 19 whose descriptor runs past its PT_NOTE is <see cref="Errors.LoaderError.ReadNoteHeader"/>;
    /// the last PT_NOTE that carries the entry note wins (Xen libelf lets later notes overwrite earlier ones);
    /// and an offset that XEN_ELFNOTE_PHYS32_RELOC allows keeps the entry, moved with the kernel
    /// (Xen public/elfnote.h; Linux arch/x86/platform/pvh/head.S relocates itself).
    /// </summary>
    Strict,
}
