using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Tests.Emulator.Arm64;

/// <summary>
/// Builds 4 KiB-granule stage-1 tables for a 48-bit input range (start level 0) in guest memory (Arm ARM
/// D8.3: table descriptor = next-level address | 0b11; block (level 1, 2) = output | attributes | 0b01;
/// page (level 3) = output | attributes | 0b11; AF is bit 10).
/// </summary>
internal sealed class Arm64PageTables(GuestMemory memory, ulong area)
{
    /// <summary>AF | SH inner shareable | AttrIndx 0, read/write at EL1.</summary>
    public const ulong Normal = (1UL << 10) | (3UL << 8);
    /// <summary>AP[2]: read-only.</summary>
    public const ulong ReadOnly = 1UL << 7;
    /// <summary>AP[1]: EL0 access.</summary>
    public const ulong User = 1UL << 6;
    /// <summary>PXN.</summary>
    public const ulong PrivilegedNoExecute = 1UL << 53;

    /// <summary>TCR_EL1: T0SZ = T1SZ = 16 (48-bit), TG0 = 4 KiB, TG1 = 4 KiB (0b10), IPS 48-bit.</summary>
    public const ulong Tcr = 16 | (16UL << 16) | (2UL << 30) | (5UL << 32);

    private ulong _next = area + 0x1000;

    /// <summary>
    /// Assembly that turns the MMU on over the tables at <paramref name="root"/>, clobbering x0: MAIR_EL1 attribute 0 normal
    /// write-back memory (0xff), TCR_EL1 <see cref="Tcr"/>, TTBR0_EL1 (and TTBR1_EL1 when <paramref name="high"/>), then
    /// SCTLR_EL1.M (Arm ARM D8.2, D19.2.118).
    /// </summary>
    public static string EnableMmu(ulong root, bool high = false) => $"""
        ldr x0, =0xff
        msr mair_el1, x0
        ldr x0, ={Tcr}
        msr tcr_el1, x0
        ldr x0, ={root}
        msr ttbr0_el1, x0
        {(high ? "msr ttbr1_el1, x0" : "")}
        isb
        mrs x0, sctlr_el1
        orr x0, x0, #1
        msr sctlr_el1, x0
        isb
        """;


    /// <summary>The level-0 table (TTBR value).</summary>
    public ulong Root { get; } = area;

    /// <summary>Maps a 2 MiB block at level 2.</summary>
    public void MapBlock(ulong va, ulong pa, ulong attributes = Normal) => memory.WriteU64(Slot(va, 2), (pa & ~0x1F_FFFFUL) | attributes | 1);

    /// <summary>Maps a 4 KiB page at level 3.</summary>
    public void MapPage(ulong va, ulong pa, ulong attributes = Normal) => memory.WriteU64(Slot(va, 3), PageDescriptor(pa, attributes));

    /// <summary>The level-3 descriptor of a 4 KiB page at <paramref name="pa"/>.</summary>
    public static ulong PageDescriptor(ulong pa, ulong attributes = Normal) => (pa & ~0xFFFUL) | attributes | 3;

    /// <summary>Maps the RAM of <see cref="Arm64TestMachine"/> at its own addresses, in 2 MiB blocks; returns this.</summary>
    public Arm64PageTables IdentityMapRam()
    {
        for (var offset = 0UL; offset < Arm64TestMachine.RamSize; offset += 0x20_0000)
            MapBlock(Arm64TestMachine.RamBase + offset, Arm64TestMachine.RamBase + offset);
        return this;
    }

    /// <summary>Address of the level-3 descriptor for <paramref name="va"/> (for a guest that remaps the page itself).</summary>
    public ulong PageDescriptorAddress(ulong va) => Slot(va, 3);

    /// <summary>Writes a raw level-3 descriptor (for faults: invalid, or AF clear).</summary>
    public void SetPageDescriptor(ulong va, ulong descriptor) => memory.WriteU64(Slot(va, 3), descriptor);

    /// <summary>Address of the descriptor for <paramref name="va"/> at <paramref name="level"/>, creating tables on the way.</summary>
    private ulong Slot(ulong va, int level)
    {
        var table = Root;
        for (var l = 0; l < level; l++)
        {
            var at = table + ((va >> (39 - 9 * l)) & 0x1FF) * 8;
            var descriptor = memory.ReadU64(at);
            if ((descriptor & 3) != 3)
            {
                memory.Fill(_next, 0x1000, 0);
                descriptor = _next | 3;
                _next += 0x1000;
                memory.WriteU64(at, descriptor);
            }
            table = descriptor & 0x0000_FFFF_FFFF_F000;
        }
        return table + ((va >> (39 - 9 * level)) & 0x1FF) * 8;
    }
}
