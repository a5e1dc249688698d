using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Tests.Support;
using NUnit.Framework;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>
/// Random valid instruction sequences run in both this engine and Unicorn 2 (QEMU's TCG), comparing
/// every GPR, the defined arithmetic flags and DF, and the data and stack areas. A failure prints the
/// seed and the listing; <see cref="Replay"/> reruns one seed (edit its case to chase a failure; it always runs, so CI skips nothing).
/// </summary>
[TestFixture]
public class DifferentialTests
{
    private const ulong DataBase = 0x2000;
    private const ulong StackTop = 0x3800;
    private const ulong StackArea = 0x3000;
    private const int Length = 24;

    [TestCase(64, 1_500, EngineTier.Interpreter)]
    [TestCase(32, 1_500, EngineTier.Interpreter)]
    [TestCase(16, 600, EngineTier.Interpreter)]
    [TestCase(64, 800, EngineTier.Tiered)]
    [TestCase(32, 800, EngineTier.Tiered)]
    [TestCase(16, 600, EngineTier.Tiered)]
    public void Random_sequences_agree_with_unicorn(int bitness, int sequences, EngineTier engine) => RunMany(bitness, sequences, 1, engine);

    [Test]
    [Category("LongDifferential")]
    public void Random_sequences_agree_with_unicorn_100k()
    {
        RunMany(64, 50_000, 1_000_000);
        RunMany(32, 40_000, 2_000_000);
        RunMany(16, 10_000, 3_000_000);
    }

    [TestCase(64, 1, EngineTier.Interpreter)]
    [TestCase(64, 1, EngineTier.Tiered)]
    public void Replay(int bitness, int seed, EngineTier engine) => RunMany(bitness, 1, seed, engine);

    /// <summary>Runs the sequences; on the tiered engine every entry is compiled on first sight (threshold 1), so the compiled code is what runs.</summary>
    private static void RunMany(int bitness, int sequences, int firstSeed, EngineTier engine = EngineTier.Interpreter)
    {
        Unicorn.RequireOrIgnore();
        using var uc = Unicorn.X86(bitness);
        uc.Map(0, 0x10000);
        using var m = new TestMachine();
        m.Cpu.CompileThreshold = 1;
        m.Cpu.CompileBudget = 0; // compile every entry: the tier itself is under test
        m.Cpu.Engine = engine;
        for (var seed = firstSeed; seed < firstSeed + sequences; seed++)
            RunOne(bitness, seed, uc, m);
    }

    private static void RunOne(int bitness, int seed, Unicorn uc, TestMachine m)
    {
        var rng = new Random(seed);
        var origin = bitness == 16 ? 0x1000UL : 0x1000UL;
        var (code, undefined, listing) = RandomProgram.Generate(rng, bitness, origin, Length);
        var data = new byte[RandomProgram.DataSize];
        rng.NextBytes(data);
        var regs = new ulong[bitness == 64 ? 16 : 8];
        for (var i = 0; i < regs.Length; i++)
            regs[i] = bitness == 64 ? (ulong)rng.NextInt64() : (uint)rng.Next() ^ ((uint)rng.Next() << 16);
        regs[4] = StackTop;
        regs[5] = DataBase;
        var flags = 0x2UL | ((ulong)rng.Next() & 0x8D5);

        // Unicorn.
        uc.Write(origin, code);
        uc.RemoveCache(origin, origin + 0x1000);
        uc.Write(DataBase, data);
        uc.Write(StackArea, new byte[0x1000]);
        var ids = bitness == 64 ? UnicornX86.Gpr64 : UnicornX86.Gpr32;
        for (var i = 0; i < regs.Length; i++)
            uc.SetRegister(ids[i], regs[i]);
        uc.SetRegister(UnicornX86.Eflags, flags);
        var err = uc.Run(origin, origin + (ulong)code.Length);

        // This engine.
        m.Memory.Write(origin, code);
        m.Memory.Write(origin + (ulong)code.Length, [0xF4]);
        m.Memory.Write(DataBase, data);
        m.Memory.Write(StackArea, new byte[0x1000]);
        m.Cpu.InvalidateCodeCache();
        if (bitness == 64)
            m.EnterLong64(origin);
        else if (bitness == 32)
            m.EnterProtected32(origin);
        else
            m.EnterReal(0, (ushort)origin);
        for (var i = 0; i < regs.Length; i++)
            m.Cpu[(bitness == 64 ? Register.RAX : Register.EAX) + i] = regs[i];
        m.Cpu.Rflags = flags;
        var result = m.Cpu.Run(10_000);

        var context = $"seed {seed}, {bitness}-bit:\n{listing}";
        err.ShouldBe(0, $"unicorn failed; {context}");
        result.Reason.ShouldBe(StopReason.Halt, $"{result}; {context}");
        var diffs = new System.Text.StringBuilder();
        for (var i = 0; i < regs.Length; i++)
        {
            var expected = uc.GetRegister(ids[i]);
            var actual = m.Cpu[(bitness == 64 ? Register.RAX : Register.EAX) + i];
            if (actual != expected)
                diffs.AppendLine($"  reg {i}: engine {actual:x} unicorn {expected:x} (initial {regs[i]:x})");
        }
        diffs.ToString().ShouldBeEmpty($"registers differ: {context}");
        var mask = (FlagBits.Arithmetic | FlagBits.DF) & ~undefined;
        (m.Cpu.Rflags & mask).ShouldBe(uc.GetRegister(UnicornX86.Eflags) & mask, $"flags (mask 0x{mask:x}): {context}");
        m.Memory.ReadBytes(DataBase, RandomProgram.DataSize).ShouldBe(uc.Read(DataBase, RandomProgram.DataSize), $"data area: {context}");
        m.Memory.ReadBytes(StackArea, 0x1000).ShouldBe(uc.Read(StackArea, 0x1000), $"stack area: {context}");
    }
}
