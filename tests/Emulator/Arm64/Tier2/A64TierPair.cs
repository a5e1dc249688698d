using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64.Tier2;

/// <summary>Two arm64 test machines, one interpreting and one tiered with a low threshold, set up alike and compared register by register.</summary>
internal sealed class A64TierPair : IDisposable
{
    public A64TierPair(int threshold)
    {
        Interpreter = new Arm64TestMachine();
        Tiered = new Arm64TestMachine();
        Tiered.Cpu.CompileThreshold = threshold;
        Tiered.Cpu.CompileBudget = 0; // compile every hot entry: the tier itself is under test
        Tiered.Cpu.Engine = EngineTier.Tiered;
        Tiered.Cpu.Engine.ShouldBe(EngineTier.Tiered);
    }

    public Arm64TestMachine Interpreter { get; }

    public Arm64TestMachine Tiered { get; }

    /// <summary>Applies <paramref name="setup"/> to both machines.</summary>
    public void Both(Action<Arm64TestMachine> setup)
    {
        setup(Interpreter);
        setup(Tiered);
    }

    /// <summary>Loads <paramref name="program"/>, ended by WFI and its literal pool, at the code base of both machines and starts them there.</summary>
    public void LoadBoth(string program) => Both(m =>
    {
        m.Load(program + "\n wfi\n .ltorg\n");
        m.Cpu.Pc = Arm64TestMachine.CodeBase;
    });

    /// <summary>Runs both in <paramref name="count"/> slices of 7, 13, 29 and 61 instructions in turn, comparing after each; returns the tiered results.</summary>
    public List<RunResult> RunInChunks(int count)
    {
        ulong[] chunks = [7, 13, 29, 61];
        var results = new List<RunResult>(count);
        for (var i = 0; i < count; i++)
            results.Add(Run(chunks[i % chunks.Length], $"after chunk {i}"));
        return results;
    }

    /// <summary>Runs both for <paramref name="budget"/> and checks they stop alike; returns the tiered result.</summary>
    public RunResult Run(ulong budget, string context)
    {
        var expected = Interpreter.Cpu.Run(budget);
        var actual = Tiered.Cpu.Run(budget);
        actual.Reason.ShouldBe(expected.Reason, $"{actual} vs {expected}\n{context}");
        actual.Instructions.ShouldBe(expected.Instructions, context);
        actual.Pc.ShouldBe(expected.Pc, context);
        ShouldAgree(context);
        return actual;
    }

    /// <summary>Registers, NZCV, PC, counts, exceptions and the given memory ranges agree.</summary>
    public void ShouldAgree(string context, params (ulong Start, int Length)[] ranges)
    {
        var a = Interpreter.Cpu;
        var b = Tiered.Cpu;
        for (var i = 0; i < 31; i++)
            b[i].ShouldBe(a[i], $"X{i} differs: {context}");
        b.StackPointer.ShouldBe(a.StackPointer, $"SP differs: {context}");
        b.Nzcv.ShouldBe(a.Nzcv, $"NZCV differs: {context}");
        b.Pc.ShouldBe(a.Pc, $"PC differs: {context}");
        b.TotalInstructions.ShouldBe(a.TotalInstructions, context);
        b.ExceptionsTaken.ShouldBe(a.ExceptionsTaken, context);
        b.Pstate.ShouldBe(a.Pstate, context);
        foreach (var name in new[] { "ELR_EL1", "ESR_EL1", "FAR_EL1", "SPSR_EL1" })
            b.ReadSystemRegister(name).ShouldBe(a.ReadSystemRegister(name), $"{name} differs: {context}");
        foreach (var (start, length) in ranges)
        {
            var x = new byte[length];
            var y = new byte[length];
            Interpreter.Memory.Read(start, x);
            Tiered.Memory.Read(start, y);
            FirstDifference(x, y).ShouldBe(-1, $"memory at 0x{start:x} differs: {context}");
        }
    }

    private static int FirstDifference(byte[] a, byte[] b)
    {
        for (var i = 0; i < a.Length; i++)
            if (a[i] != b[i])
                return i;
        return -1;
    }

    public void Dispose()
    {
        Interpreter.Dispose();
        Tiered.Dispose();
    }
}
