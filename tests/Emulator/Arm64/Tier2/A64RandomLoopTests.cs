using LoaderHarness.Emulator.Core;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64.Tier2;

/// <summary>
/// Tier 2 against the interpreter on seeded random A64 programs (<see cref="RandomA64Program"/>) run as loop
/// bodies, so compiled code is entered again and again with the state the previous iteration left: the same
/// registers, NZCV, PC, instruction count, data and stack at a random budget that stops inside the loop and
/// at the end. A failure names the seed and lists the body.
/// </summary>
[TestFixture(false)]
[TestFixture(true)]
public class A64RandomLoopTests(bool hostCode) : A64BothBackEnds(hostCode)
{
    private const ulong DataArea = Arm64TestMachine.DataBase;
    private const int DataSize = 0x10000;
    private const ulong StackArea = DataArea + DataSize;
    private const int StackSize = 0x4000;
    private const ulong Counter = Arm64TestMachine.CodeBase - 0x1000;
    private const int Iterations = 12;

    [Test]
    public void Random_loops_agree_with_the_interpreter()
    {
        for (var seed = 1; seed <= 300; seed++)
            RunOne(seed);
    }

    [TestCase(1)]
    public void Replay(int seed) => RunOne(seed);

    private void RunOne(int seed)
    {
        var rng = new Random(seed);
        var words = RandomA64Program.Generate(rng, 24);
        var dataBase = DataArea + 0xA000;
        var writeback = DataArea + 0x4000;
        var sp = StackArea + 0x2000;
        // The body, then the loop tail: X26 and SP go back to their start (the body moves them), a counter in memory counts down.
        var source = $"""
            loop:
            {string.Join("\n", words.Select(w => $"    .inst 0x{w:x8}"))}
                ldr x26, ={writeback}
                ldr x24, ={sp}
                mov sp, x24
                ldr x25, ={Counter}
                ldr w24, [x25]
                subs w24, w24, #1
                str w24, [x25]
                b.ne loop
                wfi
                .ltorg
            """;
        var data = new byte[DataSize];
        rng.NextBytes(data);
        var stack = new byte[StackSize];
        rng.NextBytes(stack);
        var regs = new ulong[31];
        for (var i = 0; i < 31; i++)
            regs[i] = (ulong)rng.NextInt64() ^ ((ulong)rng.Next(2) << 63);
        regs[RandomA64Program.DataBaseRegister] = dataBase;
        regs[RandomA64Program.WritebackRegister] = writeback;
        regs[RandomA64Program.IndexRegister] = (ulong)rng.Next(0x100);
        var nzcv = (uint)rng.Next(16) << 28;
        var budget = (ulong)rng.Next(40, 300);

        using var pair = Pair(threshold: 2);
        pair.Both(m =>
        {
            m.Load(source);
            m.Memory.Write(DataArea, data);
            m.Memory.Write(StackArea, stack);
            m.Memory.WriteU32(Counter, Iterations);
            for (var i = 0; i < 31; i++)
                m.Cpu[i] = regs[i];
            m.Cpu.StackPointer = sp;
            m.Cpu.Nzcv = nzcv;
            m.Cpu.Pc = Arm64TestMachine.CodeBase;
        });
        var context = $"seed {seed} (rerun with Replay({seed}))\n{RandomA64Program.Listing(words, Arm64TestMachine.CodeBase)}";
        pair.Run(budget, context);
        pair.ShouldAgree(context, (DataArea, DataSize), (StackArea, StackSize), (Counter, 4));
        var end = pair.Run(100_000, context);
        end.Reason.ShouldBe(StopReason.Halt, context);
        pair.ShouldAgree(context, (DataArea, DataSize), (StackArea, StackSize), (Counter, 4));
        pair.Tiered.Cpu.Tiering.Compiled.ShouldBeGreaterThan(0, context);
    }
}
