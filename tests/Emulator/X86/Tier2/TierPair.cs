using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// Two <see cref="TestMachine"/>s set up alike, one interpreting, one tiered (compiling an entry on its
/// <see cref="Threshold"/>-th execution), run side by side and compared: every GPR, RFLAGS, RIP, CR2,
/// instructions retired, the stop, and any memory range asked for.
/// </summary>
internal sealed class TierPair : IDisposable
{
    public TierPair(int threshold = 2, int capacity = CompiledBlockCache<ICompiledBlock>.DefaultCapacity)
    {
        Tiered.Cpu.CompileThreshold = threshold;
        Tiered.Cpu.CompiledBlockCapacity = capacity;
        Tiered.Cpu.CompileBudget = 0; // compile every hot entry: the tier itself is under test
        Tiered.Cpu.Engine = EngineTier.Tiered;
    }

    public int Threshold => Tiered.Cpu.CompileThreshold;

    public TestMachine Interpreter { get; } = new();

    public TestMachine Tiered { get; } = new();

    /// <summary>
    /// A pair running <paramref name="program"/> from the code base in 64-bit mode over <paramref name="dataBytes"/> of
    /// pseudo-random data at <paramref name="data"/> (a Fibonacci-hash pattern, the same in both; none by default).
    /// </summary>
    public static TierPair Program64(Action<Assembler> program, ulong data = 0, ulong dataBytes = 0)
    {
        var pair = new TierPair();
        pair.Both(m =>
        {
            m.Load(64, TestMachine.CodeBase, program);
            for (ulong i = 0; i < dataBytes; i += 8)
                m.Memory.WriteU64(data + i, i * 0x9E37_79B9_7F4A_7C15UL);
            m.EnterLong64(TestMachine.CodeBase);
        });
        return pair;
    }

    /// <summary>Applies <paramref name="setup"/> to both machines.</summary>
    public void Both(Action<TestMachine> setup)
    {
        setup(Interpreter);
        setup(Tiered);
    }

    /// <summary>Runs both for <paramref name="budget"/> instructions and checks they agree; returns the tiered result.</summary>
    public RunResult Run(ulong budget, string context = "")
    {
        var expected = Interpreter.Cpu.Run(budget);
        var actual = Tiered.Cpu.Run(budget);
        actual.Reason.ShouldBe(expected.Reason, $"{actual.Detail} {context}");
        actual.Instructions.ShouldBe(expected.Instructions, context);
        SameState(context);
        return actual;
    }

    /// <summary>
    /// Runs both to their halt in budget slices of prime lengths (1 to 101, and 997 when <paramref name="longSlice"/>), so a
    /// block is left at many different places; each slice must end at the budget with both in the same state.
    /// </summary>
    public void RunInChunksToHalt(bool longSlice = false)
    {
        ulong[] chunks = longSlice ? [1, 2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 101, 997] : [1, 2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 101];
        for (var i = 0; ; i++)
        {
            var result = Run(chunks[i % chunks.Length], $"after chunk {i}");
            if (result.Reason == StopReason.Halt)
                return;
            result.Reason.ShouldBe(StopReason.Budget);
        }
    }

    /// <summary>
    /// Runs both to their halt and checks the tiered machine interpreted fewer than <paramref name="mostInterpreted"/>
    /// instructions: a form the tier leaves to the interpreter ends its block on every pass, and shows here.
    /// </summary>
    public void RunToHaltCompiled(long mostInterpreted)
    {
        Run(1_000_000).Reason.ShouldBe(StopReason.Halt);
        Interpreted.ShouldBeLessThan(mostInterpreted, "left to the interpreter, each ended the block");
    }

    /// <summary>Checks registers, flags, RIP, CR2 and the instruction count agree.</summary>
    public void SameState(string context = "")
    {
        Tiered.Cpu.Rip.ShouldBe(Interpreter.Cpu.Rip, $"RIP {context}");
        for (var r = Register.RAX; r <= Register.R15; r++)
            Tiered.Cpu[r].ShouldBe(Interpreter.Cpu[r], $"{r} {context}");
        Tiered.Cpu.Rflags.ShouldBe(Interpreter.Cpu.Rflags, $"RFLAGS {context}");
        Tiered.Cpu.Cr2.ShouldBe(Interpreter.Cpu.Cr2, $"CR2 {context}");
        Tiered.Cpu.TotalInstructions.ShouldBe(Interpreter.Cpu.TotalInstructions, $"instructions {context}");
    }

    /// <summary>
    /// Instructions the tiered machine's interpreter ran: all it retired but those compiled blocks retired. A translation the
    /// translator refuses leaves its block to the interpreter, and shows here where a count of block entries would not.
    /// </summary>
    public long Interpreted => (long)Tiered.Cpu.TotalInstructions - Tiered.Cpu.Tiering.Retired;

    /// <summary>Checks guest memory <c>[address, address + length)</c> agrees.</summary>
    public void SameMemory(ulong address, int length, string context = "")
        => Tiered.Memory.ReadBytes(address, length).ShouldBe(Interpreter.Memory.ReadBytes(address, length), $"memory at 0x{address:x} {context}");

    public void Dispose()
    {
        Interpreter.Dispose();
        Tiered.Dispose();
    }
}
