using Iced.Intel;
using LoaderHarness.Emulator.Core;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>
/// A fused pair decides its jump from the ALU form's operands (CMP and SUB from a − b, TEST and AND from a AND b); every
/// condition code after every fusible operation, at every operand size, over operands at the signed and unsigned
/// boundaries, must jump as the same program run instruction by instruction (an instruction hook keeps it unfused).
/// </summary>
[TestFixture]
public class FusedConditionTests
{
    private const ulong Data = 0x3_0000;

    private static readonly ulong[] Values =
    [
        0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
        0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, ulong.MaxValue, 0x1234_5678_9ABC_DEF0,
    ];

    private static readonly int[] Immediates = [0, 1, 0x7F, -1, -128];

    private static readonly string[] Operations = ["Cmp", "Sub", "Test", "And", "Add", "Xor", "Or"];

    [Test]
    public void Every_condition_after_every_fusible_form_jumps_as_single_steps_do(
        [ValueSource(nameof(Operations))] string operation, [Values(1, 2, 4, 8)] int size, [Values(false, true)] bool immediate)
    {
        var (reference, referenceCount) = Outcomes(operation, size, immediate, hooked: true);
        var (fused, fusedCount) = Outcomes(operation, size, immediate, hooked: false);

        fused.ShouldBe(reference);
        fusedCount.ShouldBe(referenceCount);
    }

    /// <summary>Runs the program for one form; the taken/not-taken history hashed into R10, taken jumps in R12, results in R13.</summary>
    private static ((ulong, ulong, ulong), ulong) Outcomes(string operation, int size, bool immediate, bool hooked)
    {
        using var m = new TestMachine();
        var pairs = new List<ulong>();
        foreach (var a in Values)
        {
            foreach (var b in Values)
                pairs.AddRange([a, b]);
        }
        var bytes = new byte[pairs.Count * 8];
        for (var i = 0; i < pairs.Count; i++)
            BitConverter.TryWriteBytes(bytes.AsSpan(i * 8), pairs[i]);
        m.Memory.Write(Data, bytes);
        m.Load(64, TestMachine.CodeBase, a => Program(a, operation, size, immediate, pairs.Count / 2));
        m.EnterLong64(TestMachine.CodeBase);
        if (hooked)
            m.Cpu.InstructionHook = _ => { };

        m.Run(10_000_000).Reason.ShouldBe(StopReason.Halt);
        return ((m.Cpu[Register.R10], m.Cpu[Register.R12], m.Cpu[Register.R13]), m.Cpu.TotalInstructions);
    }

    private static void Program(Assembler a, string operation, int size, bool immediate, int count)
    {
        var loop = a.CreateLabel();
        a.mov(rsi, (long)Data);
        a.mov(ecx, count);
        a.Label(ref loop);
        for (var cc = 0; cc < 16; cc++)
        {
            var taken = a.CreateLabel();
            var next = a.CreateLabel();
            a.mov(rax, __qword_ptr[rsi]);
            a.mov(rbx, __qword_ptr[rsi + 8]);
            a.imul(r10, r10, 3);
            a.AddInstruction(Form(operation, size, immediate ? Immediates[cc % Immediates.Length] : null));
            Jump(a, cc, taken);
            a.jmp(next);
            a.Label(ref taken);
            a.inc(r10);
            a.inc(r12);
            a.Label(ref next);
            a.add(r13, rax);
        }
        a.add(rsi, 16);
        a.dec(ecx);
        a.jnz(loop);
        a.hlt();
    }

    /// <summary>OP A, B (RAX and RBX at <paramref name="size"/> bytes) or OP A, imm.</summary>
    private static Instruction Form(string operation, int size, int? imm)
    {
        var bits = size * 8;
        var (a, b) = size switch
        {
            1 => (Register.AL, Register.BL),
            2 => (Register.AX, Register.BX),
            4 => (Register.EAX, Register.EBX),
            _ => (Register.RAX, Register.RBX),
        };
        if (imm is not { } value)
            return Instruction.Create(Enum.Parse<Code>($"{operation}_rm{bits}_r{bits}"), a, b);
        var immBits = size == 8 ? 32 : bits;
        return Instruction.Create(Enum.Parse<Code>($"{operation}_rm{bits}_imm{immBits}"), a, value);
    }

    private static void Jump(Assembler a, int cc, Label target)
    {
        switch (cc)
        {
            case 0: a.jo(target); break;
            case 1: a.jno(target); break;
            case 2: a.jb(target); break;
            case 3: a.jae(target); break;
            case 4: a.je(target); break;
            case 5: a.jne(target); break;
            case 6: a.jbe(target); break;
            case 7: a.ja(target); break;
            case 8: a.js(target); break;
            case 9: a.jns(target); break;
            case 10: a.jp(target); break;
            case 11: a.jnp(target); break;
            case 12: a.jl(target); break;
            case 13: a.jge(target); break;
            case 14: a.jle(target); break;
            default: a.jg(target); break;
        }
    }
}
