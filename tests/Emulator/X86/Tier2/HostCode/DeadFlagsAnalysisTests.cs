using LoaderHarness.Emulator.X86;
using LoaderHarness.Emulator.X86.Tier2;
using LoaderHarness.Emulator.X86.Tier2.HostCode;
using NUnit.Framework;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.X86.Tier2.HostCode;

/// <summary>
/// Host code's flag liveness (<see cref="HostTranslator.FindDeadFlags"/>): a flag write is dead only when a later
/// instruction of its basic block replaces all six flags before anything reads them or the block could leave with them.
/// </summary>
[TestFixture]
public class DeadFlagsAnalysisTests
{
    [Test]
    public void A_write_replaced_before_any_read_is_dead() =>
        Liveness(Node(GuestOp.Imul), Node(GuestOp.Shr), Node(GuestOp.Add)).ShouldBe([false, false, true]);

    [Test]
    public void A_write_a_condition_or_carry_reads_is_live() =>
        Liveness(Node(GuestOp.Imul), Node(GuestOp.Adc), Node(GuestOp.Sub), Node(GuestOp.Setcc), Node(GuestOp.Add))
            .ShouldBe([true, false, true, false, true]);

    [Test]
    public void A_rotate_merges_into_the_flags_before_it_so_they_live_as_long_as_its_own() =>
        Liveness(Node(GuestOp.Imul), Node(GuestOp.Rol), Node(GuestOp.Setcc), Node(GuestOp.Xor)).ShouldBe([true, true, false, true]);

    [Test]
    public void A_write_before_an_instruction_without_a_host_form_is_live()
    {
        // A 16-bit ROL is a node of the block but has no host form: host code leaves there and the interpreter merges
        // SF, ZF and PF from the IMUL.
        Liveness(Node(GuestOp.Imul), Node(GuestOp.Rol, size: 2), Node(GuestOp.Add)).ShouldBe([true, false, true]);
    }

    [Test]
    public void A_write_before_a_memory_access_cli_or_sti_is_live()
    {
        Liveness(Node(GuestOp.Imul), Node(GuestOp.Mov, memory: true), Node(GuestOp.Add)).ShouldBe([true, false, true]);
        Liveness(Node(GuestOp.Imul), Node(GuestOp.Sti), Node(GuestOp.Add)).ShouldBe([true, false, true]);
        Liveness(Node(GuestOp.Imul), Node(GuestOp.Cli), Node(GuestOp.Add)).ShouldBe([true, false, true]);
    }

    [Test]
    public void A_write_at_the_end_of_its_basic_block_is_live()
    {
        var nodes = new[] { Node(GuestOp.Imul), Node(GuestOp.Add) };
        nodes[1].Leader = true;
        Liveness(nodes).ShouldBe([true, true]);
    }

    private static bool[] Liveness(params GuestNode[] nodes)
    {
        for (var i = 0; i < nodes.Length; i++)
        {
            nodes[i].Rip = 0x1000 + 4 * (ulong)i;
            nodes[i].D.NextIP = nodes[i].Rip + 4;
        }
        var list = nodes.ToList();
        HostTranslator.FindDeadFlags(list);
        return [.. list.Select(n => n.FlagsLive)];
    }

    /// <summary>A register-form node of <paramref name="op"/> (a memory operand when <paramref name="memory"/>).</summary>
    private static GuestNode Node(GuestOp op, int size = 8, bool memory = false) => new()
    {
        Op = op,
        D = new DecodedInstruction { OpSize = (byte)size, K0 = OperandKind.Gpr, K1 = memory ? OperandKind.Memory : OperandKind.Gpr },
    };
}
