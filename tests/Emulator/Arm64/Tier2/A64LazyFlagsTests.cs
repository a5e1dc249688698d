using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64.Tier2;

/// <summary>
/// Compiled code keeps NZCV lazily (the operands of the last CMP, CMN, ADDS, SUBS or TST) and tests conditions on
/// those operands directly. These run the same loops on both tiers over operand pairs at the edges where the flags
/// differ (equal, unsigned and signed order, signed overflow, zero and sign of 32- and 64-bit results) and compare
/// the whole state, NZCV included, at many budgets: an exit in the middle of the loop must leave the exact flags.
/// </summary>
[TestFixture(false)]
[TestFixture(true)]
public class A64LazyFlagsTests(bool hostCode) : A64BothBackEnds(hostCode)
{
    private static readonly string[] Conditions = ["eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al"];

    /// <summary>Operand pairs: every pair of these values, 64-bit and as W registers.</summary>
    private static readonly ulong[] Values =
        [0, 1, 2, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, ulong.MaxValue, 0x1234_5678_9ABC_DEF0];

    [TestCase("cmp x3, x4")]
    [TestCase("cmp w3, w4")]
    [TestCase("cmn x3, x4")]
    [TestCase("adds w9, w3, w4")]
    [TestCase("subs x9, x3, #1")]
    [TestCase("tst x3, x4")]
    [TestCase("ands w9, w3, w4")]
    public void Conditions_after_a_flag_setting_instruction_decide_and_exit_as_in_the_interpreter(string setter)
    {
        // Per condition: a branch, a CSEL and a CCMP right after the setter (its producer known to the
        // translator), counting into x10.. and x26 so every decision is visible in the registers.
        var body = new System.Text.StringBuilder();
        for (var i = 0; i < Conditions.Length; i++)
            body.Append($"""
                    {setter}
                    b.{Conditions[i]} c{i}
                    add x{10 + i}, x{10 + i}, #1
                c{i}:
                    {setter}
                    csinc x26, x26, x26, {Conditions[i]}
                    {setter}
                    ccmp x3, x26, #{i & 15}, {Conditions[i]}
                    adc x27, x27, xzr

                """);
        const int pairs = 256; // x1 bits 7:4 pick x3, bits 3:0 pick x4 from the 16-entry table
        var source = $"""
                mov x1, #0
                adr x2, table
            loop:
                lsr x5, x1, #4
                and x6, x1, #15
                ldr x3, [x2, x5, lsl #3]
                ldr x4, [x2, x6, lsl #3]
            {body}
                add x1, x1, #1
                cmp x1, #{pairs}
                b.ne loop
                wfi
                .balign 8
            table:
            {string.Join("\n", Values.Select(v => $"    .quad 0x{v:x}"))}
            {string.Join("\n", Enumerable.Repeat("    .quad 0", 16 - Values.Length))}
            """;
        using var pair = Pair(threshold: 2);
        pair.Both(m =>
        {
            m.Load(source);
            m.Cpu.Pc = Arm64TestMachine.CodeBase;
        });
        ulong[] chunks = [5, 17, 101, 333, 1_000];
        for (var i = 0; i < 60; i++)
            pair.Run(chunks[i % chunks.Length], $"{setter}: after chunk {i}");
        pair.Run(10_000_000, $"{setter}: to the end");
        pair.ShouldAgree(setter);
        pair.Tiered.Cpu.Tiering.Compiled.ShouldBeGreaterThan(0);
    }
}
