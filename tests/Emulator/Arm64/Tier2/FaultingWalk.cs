namespace LoaderHarness.Tests.Emulator.Arm64.Tier2;

/// <summary>
/// A loop, hot enough to be compiled, that walks 100 doublewords from 0x100 bytes below the end of a mapped page
/// into an unmapped one with the MMU on: each load past the page takes a translation fault (Arm ARM D19.2.37
/// ESR_EL1: EC 0x25) whose handler records ESR, FAR and ELR in x4..x6, skips the load and counts it in x9.
/// </summary>
internal static class FaultingWalk
{
    /// <summary>The virtual page the walk starts in, mapped onto <see cref="Arm64TestMachine.DataBase"/>.</summary>
    public const ulong LowPage = 0x1234_5000;

    private const ulong Tables = Arm64TestMachine.RamBase + 0x80_0000;

    /// <summary>Loads the walk on both machines; <paramref name="loadAndAdvance"/> reads [x1] into x2 and moves x1 on by 8.</summary>
    public static void Load(A64TierPair pair, string loadAndAdvance)
    {
        var source = $"""
                adr x0, vectors
                msr vbar_el1, x0
                {Arm64PageTables.EnableMmu(Tables)}
                ldr x1, ={LowPage + 0xF00}
                mov x7, #100
                mov x3, #0
            loop:
                {loadAndAdvance}
                add x3, x3, x2
                subs x7, x7, #1
                b.ne loop
                b done
                .balign 2048
            vectors:
                .skip 0x200
                mrs x4, esr_el1
                mrs x5, far_el1
                mrs x6, elr_el1
                add x6, x6, #4
                msr elr_el1, x6
                add x9, x9, #1
                eret
                .ltorg
            done:
                wfi
                .ltorg
            """;
        pair.Both(m =>
        {
            var tables = new Arm64PageTables(m.Memory, Tables);
            for (var offset = 0UL; offset < Arm64TestMachine.RamSize; offset += 0x20_0000)
                tables.MapBlock(Arm64TestMachine.RamBase + offset, Arm64TestMachine.RamBase + offset);
            tables.MapPage(LowPage, Arm64TestMachine.DataBase);
            for (var i = 0UL; i < 0x1000; i += 8)
                m.Memory.WriteU64(Arm64TestMachine.DataBase + i, i * 3 + 1);
            m.Load(source);
            m.Cpu.Pc = Arm64TestMachine.CodeBase;
        });
    }
}
