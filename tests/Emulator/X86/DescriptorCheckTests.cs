using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>LAR, LSL, VERR, VERW against descriptors of every kind (SDM Vol. 2 LAR/LSL/VERR/VERW), at CPL 0 with the RPL varied.</summary>
[TestFixture]
public class DescriptorCheckTests
{
    public enum Check
    {
        Lar,
        Lsl,
        Verr,
        Verw,
    }

    // Extra GDT entries after TestMachine's (0x08..0x30 + 16-byte TSS): access byte and flags per SDM Vol. 3A
    // Figure 3-8 / Table 3-2 (code/data types) and Table 3-2 system types.
    private const ushort ExecuteOnly = 0x40, ReadOnlyData = 0x48, ConformingCode = 0x50, InterruptGate = 0x58, CallGate32 = 0x60, Ldt = 0x68;

    private static readonly (ushort Selector, ulong Raw)[] Extra =
    [
        (ExecuteOnly, 0x00CF_9800_0000_FFFF),    // code, execute-only, DPL 0
        (ReadOnlyData, 0x0040_9100_0000_0FFF),   // data, read-only, byte-granular limit 0xFFF
        (ConformingCode, 0x00CF_9E00_0000_FFFF), // code, conforming, readable, DPL 0
        (InterruptGate, 0x0000_8E00_0010_1000),  // 32-bit interrupt gate (type E)
        (CallGate32, 0x0000_EC00_0010_1000),     // 32-bit call gate (type C), DPL 3
        (Ldt, 0x0000_8200_2000_00FF),            // LDT (type 2), limit 0xFF
    ];

    public static IEnumerable<TestCaseData> LegacyCases()
    {
        // (check, selector, ZF, value written): ZF = 0 leaves the destination (0xDEAD) alone.
        yield return Case(Check.Lar, TestMachine.Data, true, 0x00C0_9300, "LAR of flat data: bits 63:32 AND 00F0FF00h");
        yield return Case(Check.Lsl, TestMachine.Data, true, 0xFFFF_FFFF, "LSL of a page-granular segment: limit × 4 KiB + FFFh");
        yield return Case(Check.Lsl, ReadOnlyData, true, 0xFFF, "LSL of a byte-granular segment");
        yield return Case(Check.Lar, TestMachine.Data | 3, false, 0xDEAD, "LAR with RPL 3 on a DPL 0 segment: DPL < RPL");
        yield return Case(Check.Lar, ConformingCode | 3, true, 0x00C0_9E00, "LAR of conforming code: no privilege check");
        yield return Case(Check.Lar, 0, false, 0xDEAD, "LAR of the null selector");
        yield return Case(Check.Lar, 0x100, false, 0xDEAD, "LAR beyond the GDT limit");
        yield return Case(Check.Lar, InterruptGate, false, 0xDEAD, "LAR of an interrupt gate: type not allowed");
        yield return Case(Check.Lar, CallGate32, true, 0x0000_EC00, "LAR of a call gate");
        yield return Case(Check.Lsl, CallGate32, false, 0xDEAD, "LSL of a call gate: gates have no limit");
        yield return Case(Check.Lsl, Ldt, true, 0xFF, "LSL of an LDT descriptor");
        yield return Case(Check.Verr, TestMachine.Code32, true, 0xDEAD, "VERR of readable code");
        yield return Case(Check.Verr, ExecuteOnly, false, 0xDEAD, "VERR of execute-only code");
        yield return Case(Check.Verw, TestMachine.Code32, false, 0xDEAD, "VERW of code: never writable");
        yield return Case(Check.Verw, TestMachine.Data, true, 0xDEAD, "VERW of writable data");
        yield return Case(Check.Verw, ReadOnlyData, false, 0xDEAD, "VERW of read-only data");
        yield return Case(Check.Verr, Ldt, false, 0xDEAD, "VERR of a system descriptor");
        yield return Case(Check.Verw, 0, false, 0xDEAD, "VERW of the null selector: ZF = 0, no fault");
    }

    private static TestCaseData Case(Check check, int selector, bool zf, ulong value, string name)
        => new TestCaseData(check, (ushort)selector, zf, value).SetName(name);

    private static void Emit(Assembler a, Check check, int bits)
    {
        if (bits == 64)
            a.mov(rax, 0xDEAD);
        else
            a.mov(eax, 0xDEAD);
        switch (check)
        {
            case Check.Lar: a.lar(eax, ecx); break;
            case Check.Lsl: a.lsl(eax, ecx); break;
            case Check.Verr: a.verr(cx); break;
            default: a.verw(cx); break;
        }
        a.setz(bl);
        a.hlt();
    }

    private static void WriteExtraDescriptors(TestMachine m)
    {
        foreach (var (selector, raw) in Extra)
            m.Memory.WriteU64(TestMachine.GdtBase + selector, raw);
        m.Cpu.Gdtr = new DescriptorTableRegister(TestMachine.GdtBase, 0x6F);
    }

    [TestCaseSource(nameof(LegacyCases))]
    public void Protected_mode(Check check, ushort selector, bool zf, ulong value)
    {
        using var m = new TestMachine();
        m.Load(32, TestMachine.CodeBase, a => Emit(a, check, 32));
        m.EnterProtected32(TestMachine.CodeBase);
        WriteExtraDescriptors(m);
        m.Cpu[Register.ECX] = selector;

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        m.Cpu[Register.BL].ShouldBe(zf ? 1UL : 0UL, "ZF");
        m.Cpu[Register.EAX].ShouldBe(value);
    }

    public static IEnumerable<TestCaseData> LongModeCases()
    {
        // SDM Vol. 2 LAR/LSL: in IA-32e mode only LDT, available/busy 64-bit TSS and (LAR) 64-bit call gates are valid system types.
        yield return Case(Check.Lsl, TestMachine.Tss, true, 0x67, "long mode: LSL of the 64-bit TSS");
        yield return Case(Check.Lar, TestMachine.Tss, true, 0x0000_8900, "long mode: LAR of the 64-bit TSS");
        yield return Case(Check.Lar, InterruptGate, false, 0xDEAD, "long mode: LAR of an interrupt gate");
        yield return Case(Check.Lar, TestMachine.Code64, true, 0x00A0_9B00, "long mode: LAR of 64-bit code");
    }

    [TestCaseSource(nameof(LongModeCases))]
    public void Long_mode(Check check, ushort selector, bool zf, ulong value)
    {
        using var m = new TestMachine();
        m.Load(64, TestMachine.CodeBase, a => Emit(a, check, 64));
        m.EnterLong64(TestMachine.CodeBase);
        WriteExtraDescriptors(m);
        m.Cpu[Register.ECX] = selector;

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        m.Cpu[Register.BL].ShouldBe(zf ? 1UL : 0UL, "ZF");
        m.Cpu[Register.RAX].ShouldBe(value);
    }

    [Test]
    public void Lar_in_real_mode_raises_invalid_opcode()
    {
        // SDM Vol. 2 LAR: "#UD The LAR instruction is not recognized in real-address mode."
        using var m = new TestMachine();
        m.Load(16, 0x1000, a =>
        {
            a.lar(ax, cx);
            a.hlt();
        });
        m.Load(16, 0x2000, a =>
        {
            a.mov(bx, 6);
            a.hlt();
        });
        m.Memory.WriteU32(6 * 4, 0x2000); // IVT vector 6 → 0000:2000
        m.EnterReal(0, 0x1000);

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.BX].ShouldBe(6UL);
    }
}
