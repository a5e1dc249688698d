namespace LoaderHarness.Emulator.Reports;

/// <summary>What a stretch of the guest-physical address space is, for a picture of it.</summary>
public enum GuestMapKind
{
    /// <summary>RAM the VMM gave the guest.</summary>
    Ram,
    /// <summary>Address space between RAM regions that is not RAM (x86's 32-bit MMIO hole below 4 GiB).</summary>
    MmioGap,
    /// <summary>A memory-map entry of type RAM, as the kernel is told (e820 / PVH memmap / DTB memory node).</summary>
    MapRam,
    /// <summary>A memory-map entry of any other type (reserved, ACPI, NVS...).</summary>
    MapReserved,
    /// <summary>The kernel as loaded, and the room it runs in (boot.rst init_size).</summary>
    Kernel,
    /// <summary>The initrd.</summary>
    Initrd,
    /// <summary>The NUL-terminated command line.</summary>
    CommandLine,
    /// <summary>The boot structure and what hangs off it: zero page; start_info, modlist, memmap; DTB.</summary>
    BootStructure,
    /// <summary>The identity-map page tables the VMM built for a 64-bit entry.</summary>
    PageTables,
    /// <summary>The boot stack the VMM points the stack pointer into.</summary>
    Stack,
    /// <summary>Anything else placed (the VMM's GDT and IDT, the RSDP...).</summary>
    Other,
}
