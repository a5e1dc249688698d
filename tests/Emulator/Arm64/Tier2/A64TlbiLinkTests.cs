using LoaderHarness.Emulator.Core;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64.Tier2;

/// <summary>
/// A TLBI by address (Linux's kernel-range flushes) drops what a mapping holding that address translated, no more: a
/// hot call loop into a function on a page of its own, compiled (and in host code linked: the BLR's exit jumps straight
/// into the function's block, its RET's back), meets a TLBI of an unrelated address, which must leave the links be, and
/// then a remap of the function's page with a TLBI of its address, after which the new frame must run.
/// </summary>
[TestFixture(false)]
[TestFixture(true)]
public class A64TlbiLinkTests(bool hostCode) : A64BothBackEnds(hostCode)
{
    private const ulong Tables = Arm64TestMachine.RamBase + 0x80_0000;
    private const ulong Function = 0x1234_5000;
    private const ulong FrameOne = Arm64TestMachine.DataBase;
    private const ulong FrameTwo = Arm64TestMachine.DataBase + 0x1000;

    /// <summary>An address no mapping holds: a TLBI of it changes no translation.</summary>
    private const ulong Elsewhere = 0x7_0000_0000;

    /// <summary>Calls the function 200 times (x1 holds it), adding what it returns to x10.</summary>
    private const string CallLoop = """
        mov x7, #200
        1: blr x1
        add x10, x10, x3
        subs x7, x7, #1
        b.ne 1b
        """;

    [Test]
    public void A_tlbi_elsewhere_keeps_the_links_and_one_of_the_remapped_page_runs_the_new_frame()
    {
        using var pair = Pair(threshold: 2);
        var tables = MapFunction(pair);
        pair.LoadBoth($"""
            {Arm64PageTables.EnableMmu(Tables)}
            ldr x1, ={Function}
            {CallLoop}
            ldr x9, ={Elsewhere >> 12}
            tlbi vaale1is, x9
            dsb ish
            isb
            mov x12, x10
            {CallLoop}
            ldr x8, ={tables.PageDescriptorAddress(Function)}
            ldr x9, ={Arm64PageTables.PageDescriptor(FrameTwo)}
            str x9, [x8]
            dsb ishst
            ldr x9, ={Function >> 12}
            tlbi vaale1is, x9
            dsb ish
            isb
            {CallLoop}
            """);

        pair.Run(1_000_000, "to the end").Reason.ShouldBe(StopReason.Halt);
        pair.Tiered.Cpu[12].ShouldBe(200UL);
        pair.Tiered.Cpu[10].ShouldBe(200UL + 200 + 400, "after the remap's TLBI every call ran the new frame");
        if (HostCode)
            pair.Tiered.Cpu.Tiering.Linked.ShouldBeGreaterThan(500, "the calls and returns of the second and third loops went through links");
    }

    [Test]
    public void The_same_program_stops_where_the_interpreter_does_at_every_budget()
    {
        using var pair = Pair(threshold: 2);
        var tables = MapFunction(pair);
        pair.LoadBoth($"""
            {Arm64PageTables.EnableMmu(Tables)}
            ldr x1, ={Function}
            {CallLoop}
            ldr x8, ={tables.PageDescriptorAddress(Function)}
            ldr x9, ={Arm64PageTables.PageDescriptor(FrameTwo)}
            str x9, [x8]
            ldr x9, ={Function >> 12}
            tlbi vaale1is, x9
            isb
            {CallLoop}
            """);
        pair.RunInChunks(80);
        pair.Run(1_000_000, "the rest").Reason.ShouldBe(StopReason.Halt);
        pair.Tiered.Cpu[10].ShouldBe(200UL + 400);
    }

    /// <summary>
    /// Both machines' RAM identity-mapped under <see cref="Tables"/>, <see cref="Function"/> mapped to <see cref="FrameOne"/>
    /// (<c>mov x3, #1; ret</c>), <see cref="FrameTwo"/> holding <c>mov x3, #2; ret</c>; the tables of the last.
    /// </summary>
    private static Arm64PageTables MapFunction(A64TierPair pair)
    {
        Arm64PageTables? tables = null;
        pair.Both(m =>
        {
            tables = new Arm64PageTables(m.Memory, Tables).IdentityMapRam();
            tables.MapPage(Function, FrameOne);
            m.Memory.Write(FrameOne, A64Assembly.Assemble("mov x3, #1\n ret"));
            m.Memory.Write(FrameTwo, A64Assembly.Assemble("mov x3, #2\n ret"));
        });
        return tables!;
    }
}
