using LoaderHarness.Emulator.Arm64;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64;

/// <summary>
/// The chain's far-target cache (<c>FarTargets</c>): a call into another virtual page and the return from it are
/// remembered by address, as the instruction TLB and the page's slot table answered. A remembered answer must never
/// outlive them: a TLBI after a remap, a TTBR0 switch (Arm ARM D8.13), an instruction TLB refill that evicted the page,
/// a rewrite of the target's code, a breakpoint set later. Each test calls a function at <see cref="Function"/> (the
/// first call decodes, the second remembers, the third uses the entry), changes one of these, and calls it again.
/// </summary>
[TestFixture]
public class FarTargetTests
{
    private const ulong Tables = Arm64TestMachine.RamBase + 0x80_0000;
    private const ulong OtherTables = Arm64TestMachine.RamBase + 0x90_0000;
    private const ulong Function = 0x1234_5000;
    private const ulong FrameOne = Arm64TestMachine.DataBase;
    private const ulong FrameTwo = Arm64TestMachine.DataBase + 0x1000;

    /// <summary>Calls <see cref="Function"/> three times (x1 holds it), leaving what it returned in x5.</summary>
    private static readonly string ThreeCalls = $"""
        ldr x1, ={Function}
        mov x7, #3
        1: blr x1
        subs x7, x7, #1
        b.ne 1b
        mov x5, x3
        """;

    [TestCase(EngineTier.Interpreter)]
    [TestCase(EngineTier.Tiered)]
    public void A_call_after_a_remap_and_tlbi_runs_the_new_frame(EngineTier engine)
    {
        using var m = Machine(engine, out var tables);
        var result = m.Run(WithMmu($"""
            {ThreeCalls}
            ldr x8, ={tables.PageDescriptorAddress(Function)}
            ldr x9, ={Arm64PageTables.PageDescriptor(FrameTwo)}
            str x9, [x8]
            dsb ishst
            tlbi vmalle1
            dsb ish
            isb
            blr x1
            mov x6, x3
            """));

        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        m.Cpu[5].ShouldBe(1UL);
        m.Cpu[6].ShouldBe(2UL, "the TLBI made the remembered frame stale");
    }

    [TestCase(EngineTier.Interpreter)]
    [TestCase(EngineTier.Tiered)]
    public void A_call_after_a_ttbr0_switch_runs_the_frame_of_the_new_tables(EngineTier engine)
    {
        using var m = Machine(engine, out _);
        new Arm64PageTables(m.Memory, OtherTables).IdentityMapRam().MapPage(Function, FrameTwo);
        var result = m.Run(WithMmu($"""
            {ThreeCalls}
            ldr x0, ={OtherTables}
            msr ttbr0_el1, x0
            isb
            blr x1
            mov x6, x3
            """));

        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        m.Cpu[5].ShouldBe(1UL);
        m.Cpu[6].ShouldBe(2UL, "the TTBR0 write made the remembered frame stale");
    }

    [TestCase(EngineTier.Interpreter)]
    [TestCase(EngineTier.Tiered)]
    public void A_call_after_the_page_was_evicted_from_the_instruction_tlb_walks_again(EngineTier engine)
    {
        // The descriptor changes without a TLBI, so a TLB may still hold the old translation (Arm ARM D8.13); this
        // engine's instruction TLB does until the page is evicted, and the far-target cache must answer as it does.
        // A call to a page of the same instruction TLB index evicts the function's page (RAM starts at a multiple of the
        // instruction TLB's reach, so the page numbers' low bits agree).
        const ulong evictor = Arm64TestMachine.RamBase + ((Function >> 12) & (InstructionTlbSize - 1)) * 0x1000;
        using var m = Machine(engine, out var tables);
        m.Memory.Write(evictor, A64Assembly.Assemble("ret"));
        var result = m.Run(WithMmu($"""
            {ThreeCalls}
            ldr x8, ={tables.PageDescriptorAddress(Function)}
            ldr x9, ={Arm64PageTables.PageDescriptor(FrameTwo)}
            str x9, [x8]
            blr x1
            mov x4, x3
            ldr x2, ={evictor}
            blr x2
            blr x1
            mov x6, x3
            """));

        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        m.Cpu[4].ShouldBe(1UL, "the instruction TLB still held the old translation");
        m.Cpu[6].ShouldBe(2UL, "the eviction made the remembered frame stale");
    }

    [TestCase(EngineTier.Interpreter)]
    [TestCase(EngineTier.Tiered)]
    public void A_call_after_the_function_was_rewritten_runs_its_new_code(EngineTier engine)
    {
        using var m = Machine(engine, out _);
        var result = m.Run(WithMmu($"""
            {ThreeCalls}
            ldr x8, ={FrameOne}
            ldr w9, =0xD2800043
            str w9, [x8]
            dc cvau, x8
            dsb ish
            ic ivau, x8
            dsb ish
            isb
            blr x1
            mov x6, x3
            """));

        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        m.Cpu[5].ShouldBe(1UL);
        m.Cpu[6].ShouldBe(2UL, "the store emptied the remembered page (mov x3, #2 now)");
    }

    [Test]
    public void A_breakpoint_added_after_calls_into_another_page_stops_the_next_call()
    {
        // A call into a third page, decoded after the function's: clearing the code cache for the breakpoint recycles
        // that page's object first, so the function's keeps its generation and only a forgotten entry stops there.
        const ulong helper = Arm64TestMachine.DataBase + 0x2000;
        using var m = Machine(EngineTier.Interpreter, out _);
        m.Memory.Write(helper, A64Assembly.Assemble("ret"));
        m.Load(WithMmu($"""
            ldr x1, ={Function}
            ldr x2, ={helper}
            blr x1
            blr x2
            mov x7, #100
            1: blr x1
            subs x7, x7, #1
            b.ne 1b
            wfi
            .ltorg
            """));
        m.Cpu.Pc = Arm64TestMachine.CodeBase;
        m.Cpu.Run(MmuSetup + 8 + 10 * 5).Reason.ShouldBe(StopReason.Budget); // ten calls and returns, stopped on the next call

        m.Cpu.AddBreakpoint(Function);
        var result = m.Cpu.Run(1000);

        result.Reason.ShouldBe(StopReason.Breakpoint);
        result.Pc.ShouldBe(Function);
        result.Instructions.ShouldBe(1UL, "the call, then the stop before the function's first instruction");
    }

    /// <summary>Instructions of <see cref="Arm64PageTables.EnableMmu"/>.</summary>
    private const ulong MmuSetup = 11;

    /// <summary>Entries of the engine's instruction TLB: pages this many apart share one.</summary>
    private const ulong InstructionTlbSize = InstructionTlb<A64Instruction>.Size;

    /// <summary>
    /// A machine with the test RAM identity-mapped under <see cref="Tables"/> and <see cref="Function"/> mapped to
    /// <see cref="FrameOne"/>, which holds <c>mov x3, #1; ret</c>; <see cref="FrameTwo"/> holds <c>mov x3, #2; ret</c>.
    /// </summary>
    private static Arm64TestMachine Machine(EngineTier engine, out Arm64PageTables tables)
    {
        var m = new Arm64TestMachine();
        m.Cpu.CompileThreshold = 4;
        m.Cpu.CompileBudget = 0; // compile every hot entry
        m.Cpu.Engine = engine;
        tables = new Arm64PageTables(m.Memory, Tables).IdentityMapRam();
        tables.MapPage(Function, FrameOne);
        m.Memory.Write(FrameOne, A64Assembly.Assemble("mov x3, #1\n ret"));
        m.Memory.Write(FrameTwo, A64Assembly.Assemble("mov x3, #2\n ret"));
        return m;
    }

    /// <summary>Turns the MMU on over <see cref="Tables"/>, then runs <paramref name="body"/>.</summary>
    private static string WithMmu(string body) => $"""
        {Arm64PageTables.EnableMmu(Tables)}
        {body}
        """;
}
