namespace LoaderHarness.Loader.Setup;

/// <summary>
/// Where qboot (QEMU <c>-M microvm</c>'s firmware, github.com/bonzini/qboot) puts the PVH memmap and its copy of the
/// command line. Its <c>malloc</c> hands out memory downwards from its text start 0xF0000 (flat.lds <c>stext</c> =
/// 1024K - 64K; malloc.c <c>malloc_align</c>, string.h <c>malloc</c>: 16-byte aligned) in the order it asks: the e820
/// table (main.c <c>extract_e820</c>: a 32-bit count and 20-byte entries, one more entry than it fills, left all-zero,
/// in the build QEMU 7.2 ships), the command line (fw_cfg.c <c>boot_pvh_from_fw_cfg</c>: FW_CFG_CMDLINE_SIZE bytes, the
/// NUL included), then the memmap (<c>pvh_e820_setup</c>: 24 bytes per e820 entry). With 512 MiB and a 22-byte command
/// line that is 0xEFED0 and 0xEFF60, as QEMU 7.2 hands over with <c>acpi=off</c>; more e820 entries or another length move both.
/// </summary>
public static class QbootPvhBuffers
{
    /// <summary>qboot's malloc top: its text start.</summary>
    public const ulong Top = 0xF_0000;

    /// <summary>
    /// The memmap's and the command line's addresses for a map of <paramref name="entries"/> entries (without qboot's
    /// all-zero last one) and a command line of <paramref name="commandLineBytes"/> bytes with its NUL, qboot's malloc
    /// standing at <paramref name="top"/> (below <see cref="Top"/> by what it allocated before: the ACPI tables when QEMU
    /// has them installed: main.c runs tables.c extract_acpi, whose do_alloc takes the high-zone tables from this allocator,
    /// before extract_e820).
    /// </summary>
    public static (ulong Memmap, ulong CommandLine) For(int entries, int commandLineBytes, ulong top = Top)
    {
        var qbootEntries = (ulong)entries + 1;
        var e820 = Down(top, 4 + (20 * qbootEntries));
        var commandLine = Down(e820, (ulong)commandLineBytes);
        var memmap = Down(commandLine, 24 * qbootEntries);
        return (memmap, commandLine);
    }

    private static ulong Down(ulong top, ulong size) => (top - size) & ~0xFUL;
}
