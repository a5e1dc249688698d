using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>BCD adjustments (DAA, DAS, AAA, AAS, AAM, AAD) on the SDM's worked examples; Unicorn comparisons run in the differential tests.</summary>
[TestFixture]
public class DecimalArithmeticTests
{
    private const ulong Defined = FlagBits.CF | FlagBits.AF | FlagBits.ZF | FlagBits.SF | FlagBits.PF;

    public static IEnumerable<TestCaseData> Cases()
    {
        // SDM Vol. 2 DAA example: 79h + 35h = AEh, DAA → 14h with CF = AF = 1 (decimal 79 + 35 = 114).
        yield return new TestCaseData((Action<Assembler>)(a => { a.mov(al, 0x79); a.add(al, 0x35); a.daa(); }), 0x14UL, FlagBits.CF | FlagBits.AF | FlagBits.PF, Defined).SetName("DAA after 79h + 35h");
        // SDM Vol. 2 DAS example: 35h − 47h = EEh, DAS → 88h with CF = AF = SF = 1 (decimal 35 − 47 = −12 → 88 borrow).
        yield return new TestCaseData((Action<Assembler>)(a => { a.mov(al, 0x35); a.sub(al, 0x47); a.das(); }), 0x88UL, FlagBits.CF | FlagBits.AF | FlagBits.SF | FlagBits.PF, Defined).SetName("DAS after 35h − 47h");
        // AAA: unpacked 9 + 5 = 0Eh → AX = 0104h (AH carried), CF = AF = 1 (SDM Vol. 2 AAA: AX ← AX + 106h).
        yield return new TestCaseData((Action<Assembler>)(a => { a.mov(ax, 0x0009); a.add(al, 5); a.aaa(); }), 0x0104UL, FlagBits.CF | FlagBits.AF, FlagBits.CF | FlagBits.AF).SetName("AAA after 9 + 5");
        // AAS: unpacked 3 − 5 with AH = 1 → AX = 0008h (AH borrowed), CF = AF = 1 (SDM Vol. 2 AAS).
        yield return new TestCaseData((Action<Assembler>)(a => { a.mov(ax, 0x0103); a.sub(al, 5); a.aas(); }), 0x0008UL, FlagBits.CF | FlagBits.AF, FlagBits.CF | FlagBits.AF).SetName("AAS after 13 − 5");
        // AAM: AL = 63 → AH = 6, AL = 3 (SDM Vol. 2 AAM: AH ← AL / 10, AL ← AL mod 10).
        yield return new TestCaseData((Action<Assembler>)(a => { a.mov(ax, 63); a.aam(10); }), 0x0603UL, FlagBits.PF, FlagBits.ZF | FlagBits.SF | FlagBits.PF).SetName("AAM 63");
        // AAD: AH = 6, AL = 3 → AL = 63 (3Fh), AH = 0 (SDM Vol. 2 AAD: AL ← AL + AH × 10).
        yield return new TestCaseData((Action<Assembler>)(a => { a.mov(ax, 0x0603); a.aad(10); }), 0x003FUL, FlagBits.PF, FlagBits.ZF | FlagBits.SF | FlagBits.PF).SetName("AAD 06:03");
    }

    [TestCaseSource(nameof(Cases))]
    public void Adjusts_al_and_flags_as_the_sdm_example(Action<Assembler> build, ulong ax, ulong flags, ulong compared)
    {
        using var m = new TestMachine();
        m.Load(32, TestMachine.CodeBase, a =>
        {
            build(a);
            a.hlt();
        });
        m.EnterProtected32(TestMachine.CodeBase);

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        m.Cpu[Register.AX].ShouldBe(ax);
        (m.Cpu.Rflags & compared).ShouldBe(flags);
    }

    [Test]
    public void Aam_by_zero_raises_divide_error()
    {
        // SDM Vol. 2 AAM: "#DE If an immediate value of 0 is used."
        using var m = new TestMachine();
        m.Load(32, TestMachine.CodeBase, a =>
        {
            a.aam(0);
            a.hlt();
        });
        m.EnterProtected32(TestMachine.CodeBase);
        m.SetGate32(ExceptionVector.DivideError, 0x18000);
        m.Load(32, 0x18000, a =>
        {
            a.mov(ebx, 0xDE);
            a.hlt();
        });

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.EBX].ShouldBe(0xDEUL);
    }

    [Test]
    public void Daa_opcode_is_invalid_in_64_bit_mode()
    {
        // SDM Vol. 2 DAA: "#UD If in 64-bit mode."
        using var m = new TestMachine();
        m.Memory.Write(TestMachine.CodeBase, [0x27]);
        m.EnterLong64(TestMachine.CodeBase);
        m.SetGate64(ExceptionVector.InvalidOpcode, 0x18000);
        m.Load(64, 0x18000, a =>
        {
            a.mov(ebx, 6);
            a.hlt();
        });

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.EBX].ShouldBe(6UL);
    }
}
