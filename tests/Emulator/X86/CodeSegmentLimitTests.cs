using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>
/// Instruction fetch against the CS limit (SDM Vol. 3A §5.3: every byte of an instruction must lie within
/// the limit in protected mode, else #GP(0) on that instruction; 64-bit mode does no limit checks, §5.3.1).
/// </summary>
[TestFixture]
public class CodeSegmentLimitTests
{
    private const ulong Handler = 0x18000;

    /// <summary>nop ×3 at 10000h–10002h, mov eax, 1 at 10003h–10007h, hlt at 10008h.</summary>
    private static TestMachine Machine(uint limit)
    {
        var m = new TestMachine();
        m.Load(32, TestMachine.CodeBase, a =>
        {
            a.nop();
            a.nop();
            a.nop();
            a.mov(eax, 1);
            a.hlt();
        });
        m.EnterProtected32(TestMachine.CodeBase);
        m.SetGate32(ExceptionVector.GeneralProtection, (uint)Handler);
        m.Load(32, Handler, a =>
        {
            a.pop(esi);                  // error code
            a.mov(edi, __dword_ptr[esp]); // faulting EIP
            a.mov(ebx, 0x0D);
            a.hlt();
        });
        // Byte-granular 32-bit code segment, base 0 (access 9Bh, D = 1, G = 0).
        m.Cpu.SetSegment(SegmentRegister.Cs, new Segment(TestMachine.Code32, 0, limit, 0x409B));
        return m;
    }

    public static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData(0x1_0007u, 1UL, TestMachine.CodeBase + 8).SetName("the instruction ending at the limit runs; the next one faults");
        yield return new TestCaseData(0x1_0005u, 0UL, TestMachine.CodeBase + 3).SetName("an instruction straddling the limit faults before running");
        yield return new TestCaseData(0x0_FFFFu, 0UL, TestMachine.CodeBase).SetName("EIP beyond the limit faults at once");
    }

    [TestCaseSource(nameof(Cases))]
    public void Fetch_beyond_the_cs_limit_raises_gp(uint limit, ulong eax, ulong faultingEip)
    {
        using var m = Machine(limit);

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        m.Cpu[Register.EBX].ShouldBe(0x0DUL, "#GP handler ran");
        m.Cpu[Register.ESI].ShouldBe(0UL, "error code 0");
        m.Cpu[Register.EDI].ShouldBe(faultingEip);
        m.Cpu[Register.EAX].ShouldBe(eax);
    }

    [Test]
    public void Lowering_the_limit_applies_to_code_already_decoded()
    {
        using var m = Machine(0xFFFF_FFFF);
        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.EBX].ShouldBe(0UL, "first run: no fault");

        m.Cpu.SetSegment(SegmentRegister.Cs, new Segment(TestMachine.Code32, 0, 0x1_0005, 0x409B));
        m.Cpu.Rip = TestMachine.CodeBase;
        m.Cpu[Register.EAX] = 0;
        m.Run().Reason.ShouldBe(StopReason.Halt);

        m.Cpu[Register.EBX].ShouldBe(0x0DUL);
        m.Cpu[Register.EDI].ShouldBe(TestMachine.CodeBase + 3);
    }

    [Test]
    public void Sixty_four_bit_mode_ignores_the_cs_limit()
    {
        using var m = new TestMachine();
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(eax, 1);
            a.hlt();
        });
        m.EnterLong64(TestMachine.CodeBase);
        m.Cpu.SetSegment(SegmentRegister.Cs, new Segment(TestMachine.Code64, 0, 0x10, 0x209B));

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.EAX].ShouldBe(1UL);
    }
}
