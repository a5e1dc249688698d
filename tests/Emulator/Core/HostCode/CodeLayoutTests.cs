using Iced.Intel;
using LoaderHarness.Emulator.Core.HostCode;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.Core.HostCode;

/// <summary>
/// The one-pass encoding of host code: every branch reaches its label, a backward one in two bytes when it fits, and the
/// bytes decode (Iced's decoder) to the instructions assembled.
/// </summary>
[TestFixture]
public sealed class CodeLayoutTests
{
    [TestCase(10, true)]
    [TestCase(50, false)] // 50 three-byte INCs: 152 bytes back, past a rel8
    public void A_backward_branch_is_short_only_where_it_reaches(int body, bool shortForm)
    {
        var a = new Assembler(64);
        var top = a.CreateLabel();
        a.Label(ref top);
        for (var i = 0; i < body; i++)
            a.inc(rax);
        a.jne(top);
        a.ret();

        var layout = CodeLayout.Encode(a.Instructions);

        var decoded = Decode(layout.Code);
        var branch = decoded[body];
        branch.Code.ShouldBe(shortForm ? Code.Jne_rel8_64 : Code.Jne_rel32_64);
        branch.NearBranch64.ShouldBe((ulong)layout.OffsetOf(top));
        decoded.Count.ShouldBe(body + 2);
    }

    [Test]
    public void Forward_branches_and_calls_reach_labels_placed_after_them()
    {
        var a = new Assembler(64);
        var done = a.CreateLabel();
        var call = a.CreateLabel();
        var middle = a.CreateLabel();
        a.je(done);
        a.call(call);
        a.jmp(middle);
        a.Label(ref call);
        a.mov(rax, 0x1122334455667788);
        a.ret();
        a.Label(ref middle);
        a.xor(eax, eax);
        a.Label(ref done);
        a.ret();

        var layout = CodeLayout.Encode(a.Instructions);

        var decoded = Decode(layout.Code);
        decoded.Select(i => i.Mnemonic).ShouldBe([Mnemonic.Je, Mnemonic.Call, Mnemonic.Jmp, Mnemonic.Mov, Mnemonic.Ret, Mnemonic.Xor, Mnemonic.Ret]);
        decoded[0].NearBranch64.ShouldBe((ulong)layout.OffsetOf(done));
        decoded[1].NearBranch64.ShouldBe((ulong)layout.OffsetOf(call));
        decoded[2].NearBranch64.ShouldBe((ulong)layout.OffsetOf(middle));
        decoded[3].IP.ShouldBe((ulong)layout.OffsetOf(call));
        decoded[3].Immediate64.ShouldBe(0x1122334455667788UL);
        decoded[5].IP.ShouldBe((ulong)layout.OffsetOf(middle));
        decoded[6].IP.ShouldBe((ulong)layout.OffsetOf(done));
    }

    [Test]
    public void A_branch_to_a_label_never_placed_is_refused()
    {
        var a = new Assembler(64);
        var nowhere = a.CreateLabel();
        a.jmp(nowhere);
        a.ret();

        Should.Throw<InvalidOperationException>(() => CodeLayout.Encode(a.Instructions));
    }

    private static List<Instruction> Decode(ReadOnlySpan<byte> code)
    {
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(code.ToArray()));
        var list = new List<Instruction>();
        while (decoder.IP < (ulong)code.Length)
            list.Add(decoder.Decode());
        return list;
    }
}
