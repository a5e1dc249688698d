using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Emulator.Vcpu;

/// <summary>
/// The identity map VMMs build for the 64-bit entry: one PML4 page, one PDPT page, then one page directory
/// per GiB of 2 MiB pages (Firecracker regs.rs setup_page_tables: PML4[0] = PDPT | 3, PDPT[i] = PD_i | 3,
/// PD entries (i &lt;&lt; 21) | 0x83 = present, writable, page size).
/// </summary>
public static class IdentityPageTables
{
    /// <summary>Present | writable.</summary>
    public const ulong TableFlags = 0x3;
    /// <summary>Present | writable | PS (2 MiB page).</summary>
    public const ulong LargePageFlags = 0x83;

    /// <summary>Bytes the tables for <paramref name="mappedBytes"/> occupy.</summary>
    public static ulong Size(ulong mappedBytes) => (2 + GiBs(mappedBytes)) * 0x1000;

    /// <summary>Writes tables at <paramref name="address"/> identity-mapping [0, <paramref name="mappedBytes"/>).</summary>
    public static void Write(GuestMemory memory, ulong address, ulong mappedBytes)
    {
        var gibs = GiBs(mappedBytes);
        if (gibs > 512)
            throw new ArgumentOutOfRangeException(nameof(mappedBytes), "one PDPT maps at most 512 GiB");
        var pdpt = address + 0x1000;
        memory.Fill(address, 0x2000, 0);
        memory.WriteU64(address, pdpt | TableFlags);
        for (ulong g = 0; g < gibs; g++)
        {
            var pd = address + 0x2000 + g * 0x1000;
            memory.WriteU64(pdpt + g * 8, pd | TableFlags);
            for (ulong i = 0; i < 512; i++)
            {
                var page = (g * 512 + i) << 21;
                memory.WriteU64(pd + i * 8, page < mappedBytes ? page | LargePageFlags : 0);
            }
        }
    }

    private static ulong GiBs(ulong bytes) => (bytes + (1UL << 30) - 1) >> 30;
}
