using Iced.Intel;
using LoaderHarness.Emulator.Core;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// Tier 2 against tier 1 on seeded random programs (<see cref="RandomProgram"/>) run as loop bodies, so
/// the compiled code is entered again and again with the state the previous iteration left: the same
/// registers, RFLAGS, RIP, instruction count, data and stack at the end, and at budgets that stop inside
/// the loop. A failure names the seed and lists the body.
/// </summary>
[TestFixture]
public class RandomLoopTests
{
    private const ulong Origin = 0x1000;
    private const ulong Counter = 0x5000;
    private const ulong DataBase = 0x2000;
    private const ulong StackTop = 0x3800;
    private const int Iterations = 12;

    [TestCase(64, 300)]
    [TestCase(32, 300)]
    public void Random_loops_agree_with_the_interpreter(int bitness, int programs)
    {
        for (var seed = 1; seed <= programs; seed++)
            RunOne(bitness, seed);
    }

    private static void RunOne(int bitness, int seed)
    {
        var rng = new Random(seed);
        var prologue = Assemble(bitness, Origin, a => a.mov(__dword_ptr[Counter], Iterations));
        var bodyStart = Origin + (ulong)prologue.Length;
        var (body, _, listing) = RandomProgram.Generate(rng, bitness, bodyStart, 24);
        var epilogue = Assemble(bitness, bodyStart + (ulong)body.Length, a =>
        {
            a.dec(__dword_ptr[Counter]);
            a.jne(bodyStart);
            a.hlt();
        });
        var data = new byte[RandomProgram.DataSize];
        rng.NextBytes(data);
        var regs = new ulong[bitness == 64 ? 16 : 8];
        for (var i = 0; i < regs.Length; i++)
            regs[i] = bitness == 64 ? (ulong)rng.NextInt64() : (uint)rng.Next() ^ ((uint)rng.Next() << 16);
        regs[4] = StackTop;
        regs[5] = DataBase;
        var flags = 0x2UL | ((ulong)rng.Next() & 0x8D5);
        var budget = (ulong)rng.Next(30, 200);

        using var pair = new TierPair(threshold: 2);
        pair.Both(m =>
        {
            m.Memory.Write(Origin, [.. prologue, .. body, .. epilogue]);
            m.Memory.Write(DataBase, data);
            if (bitness == 64)
                m.EnterLong64(Origin);
            else
                m.EnterProtected32(Origin);
            for (var i = 0; i < regs.Length; i++)
                m.Cpu[(bitness == 64 ? Register.RAX : Register.EAX) + i] = regs[i];
            m.Cpu.Rflags = flags;
        });
        var context = $"seed {seed}, {bitness}-bit:\n{listing}";
        pair.Run(budget, $"at budget {budget}; {context}");
        pair.Run(100_000, context).Reason.ShouldBe(StopReason.Halt, context);
        pair.SameMemory(DataBase, RandomProgram.DataSize, context);
        pair.SameMemory(StackTop - 0x800, 0x800, context);
        pair.Tiered.Cpu.Tiering.Entries.ShouldBeGreaterThan(0, context);
    }

    private static byte[] Assemble(int bitness, ulong address, Action<Assembler> build)
    {
        var a = new Assembler(bitness);
        build(a);
        return TestMachine.Assemble(a, address);
    }
}
