using LoaderHarness.Emulator.Arm64;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64;

/// <summary>
/// Random A64 integer sequences (<see cref="RandomA64Program"/>) run in this engine and in Unicorn 2's
/// arm64 engine (QEMU's TCG), comparing X0–X30, SP, NZCV and the data and stack areas. A failure prints
/// the seed and the listing; <see cref="Replay"/> reruns one seed.
/// </summary>
[TestFixture]
public class DifferentialTests
{
    private const ulong Base = Arm64TestMachine.RamBase;
    private const ulong CodeBase = Arm64TestMachine.CodeBase;
    private const ulong DataArea = Arm64TestMachine.DataBase;
    private const int DataSize = 0x10000;
    private const ulong StackArea = DataArea + DataSize;
    private const int StackSize = 0x4000;
    private const int Length = 24;

    [TestCase(EngineTier.Interpreter)]
    [TestCase(EngineTier.Tiered)]
    public void Random_sequences_agree_with_unicorn(EngineTier engine) => RunMany(3_000, 1, engine);

    [TestCase(EngineTier.Interpreter)]
    [TestCase(EngineTier.Tiered)]
    [Category("LongDifferential")]
    public void Random_sequences_agree_with_unicorn_100k(EngineTier engine) => RunMany(100_000, 1_000_000, engine);

    [TestCase(1, EngineTier.Interpreter)]
    [TestCase(1, EngineTier.Tiered)]
    public void Replay(int seed, EngineTier engine) => RunMany(1, seed, engine);

    /// <summary>Tiered runs compile every entry on first sight (threshold 1), so each sequence runs as compiled code from its first instruction.</summary>
    private static void RunMany(int sequences, int firstSeed, EngineTier engine)
    {
        Unicorn.RequireOrIgnore();
        using var uc = Unicorn.Arm64();
        uc.Map(Base, 0x20_0000);
        using var m = new Arm64TestMachine();
        m.Cpu.CompileThreshold = 1;
        m.Cpu.CompileBudget = 0; // compile every entry: the tier itself is under test
        m.Cpu.Engine = engine;
        m.Cpu.Engine.ShouldBe(engine);
        for (var seed = firstSeed; seed < firstSeed + sequences; seed++)
            RunOne(seed, uc, m);
    }

    private static void RunOne(int seed, Unicorn uc, Arm64TestMachine m)
    {
        var rng = new Random(seed);
        var words = RandomA64Program.Generate(rng, Length);
        var code = words.SelectMany(BitConverter.GetBytes).ToArray();
        var end = CodeBase + (ulong)code.Length;
        var data = new byte[DataSize];
        rng.NextBytes(data);
        var stack = new byte[StackSize];
        rng.NextBytes(stack);
        var regs = new ulong[31];
        for (var i = 0; i < 31; i++)
            regs[i] = RandomValue(rng);
        regs[RandomA64Program.DataBaseRegister] = DataArea + 0xA000;
        regs[RandomA64Program.WritebackRegister] = DataArea + 0x4000;
        regs[RandomA64Program.IndexRegister] = (ulong)rng.Next(0x100);
        var sp = StackArea + 0x2000;
        var nzcv = (ulong)rng.Next(16) << 28;

        uc.Write(CodeBase, code);
        uc.RemoveCache(CodeBase, end);
        uc.Write(DataArea, data);
        uc.Write(StackArea, stack);
        for (var i = 0; i < 31; i++)
            uc.SetRegister(UnicornArm64.X(i), regs[i]);
        uc.SetRegister(UnicornArm64.Sp, sp);
        uc.SetRegister(UnicornArm64.Nzcv, nzcv);
        var err = uc.Run(CodeBase, end);

        m.Memory.Write(CodeBase, code);
        m.Memory.Write(DataArea, data);
        m.Memory.Write(StackArea, stack);
        m.Cpu.InvalidateCodeCache();
        for (var i = 0; i < 31; i++)
            m.Cpu[i] = regs[i];
        m.Cpu.StackPointer = sp;
        m.Cpu.Nzcv = (uint)nzcv;
        m.Cpu.Pc = CodeBase;
        m.Cpu.AddStopAddress(end);
        var result = m.Cpu.Run(10_000);
        m.Cpu.RemoveStopAddress(end);

        var context = $"seed {seed} (rerun with Replay({seed}))\n{RandomA64Program.Listing(words, CodeBase)}";
        err.ShouldBe(0, $"Unicorn failed: {context}");
        result.Reason.ShouldBe(StopReason.AddressReached, $"{result}\n{context}");
        for (var i = 0; i < 31; i++)
            m.Cpu[i].ShouldBe(uc.GetRegister(UnicornArm64.X(i)), $"X{i} differs: {context}");
        m.Cpu.StackPointer.ShouldBe(uc.GetRegister(UnicornArm64.Sp), $"SP differs: {context}");
        ((ulong)m.Cpu.Nzcv).ShouldBe(uc.GetRegister(UnicornArm64.Nzcv) & 0xF000_0000, $"NZCV differs: {context}");
        var ours = new byte[DataSize];
        m.Memory.Read(DataArea, ours);
        FirstDifference(ours, uc.Read(DataArea, DataSize)).ShouldBe(-1, $"data area differs: {context}");
        var ourStack = new byte[StackSize];
        m.Memory.Read(StackArea, ourStack);
        FirstDifference(ourStack, uc.Read(StackArea, StackSize)).ShouldBe(-1, $"stack area differs: {context}");
    }

    private static ulong RandomValue(Random rng) => rng.Next(8) switch
    {
        0 => 0,
        1 => ulong.MaxValue,
        2 => 0x8000_0000_0000_0000,
        3 => (ulong)rng.Next(),
        4 => 0xFFFF_FFFF,
        _ => (ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 63),
    };

    private static int FirstDifference(byte[] a, byte[] b)
    {
        for (var i = 0; i < a.Length; i++)
            if (a[i] != b[i])
                return i;
        return -1;
    }
}
