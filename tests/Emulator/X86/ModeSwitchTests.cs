using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>Mode switches done the way real code does them (SDM Vol. 3A §9.9 and §9.8.5).</summary>
[TestFixture]
public class ModeSwitchTests
{
    private const ulong Real = 0x8000, Pm32 = 0x9000, Lm64 = 0xA000, GdtPointer = 0x7F00;

    [Test]
    public void Real_to_protected_to_long_mode_in_one_program()
    {
        using var m = new TestMachine();
        m.WriteGdt();
        m.WriteIdentityMap();
        m.Cpu.Gdtr = default;
        m.Memory.WriteU16(GdtPointer, (ushort)(TestMachine.Tss + 15));
        m.Memory.WriteU32(GdtPointer + 2, (uint)TestMachine.GdtBase);
        m.Load(16, Real, a =>
        {
            a.cli();
            a.lgdt(__[GdtPointer]);
            a.mov(eax, cr0);
            a.or(eax, 1);
            a.mov(cr0, eax);
            a.jmp(TestMachine.Code32, (uint)Pm32);
        });
        m.Load(32, Pm32, a =>
        {
            a.mov(ax, TestMachine.Data);
            a.mov(ds, ax);
            a.mov(es, ax);
            a.mov(ss, ax);
            a.mov(esp, (uint)TestMachine.StackTop);
            a.mov(eax, cr4);
            a.or(eax, 0x20); // PAE
            a.mov(cr4, eax);
            a.mov(eax, (uint)TestMachine.PageTables);
            a.mov(cr3, eax);
            a.mov(ecx, 0xC000_0080); // EFER
            a.rdmsr();
            a.or(eax, 0x100); // LME
            a.wrmsr();
            a.mov(eax, cr0);
            a.or(eax, unchecked((int)0x8000_0000)); // PG
            a.mov(cr0, eax);
            a.jmp(TestMachine.Code64, (uint)Lm64);
        });
        m.Load(64, Lm64, a =>
        {
            a.mov(rax, 0x1122_3344_5566_7788);
            a.push(rax);
            a.pop(rcx);
            a.mov(dx, 0xE9);
            a.mov(al, (byte)'K');
            a.@out(dx, al);
            a.hlt();
        });
        m.EnterReal(0, (ushort)Real);

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        m.Cpu.Bitness.ShouldBe(64);
        (m.Cpu.Efer & ControlBits.EferLma).ShouldBe(ControlBits.EferLma);
        m.Cpu.GetSegment(SegmentRegister.Cs).Selector.ShouldBe(TestMachine.Code64);
        m.Cpu.GetSegment(SegmentRegister.Ss).Selector.ShouldBe(TestMachine.Data);
        m.Cpu[Register.RCX].ShouldBe(0x1122_3344_5566_7788UL);
        m.Cpu.DebugConsole.Text.ShouldBe("K");
    }

    [Test]
    public void Far_return_switches_from_compatibility_to_64_bit_code()
    {
        // startup_64 reaches __KERNEL_CS with lretq (arch/x86/kernel/head_64.S); here a 32-bit far return into a 64-bit CS.
        using var m = new TestMachine();
        m.EnterLong64(Pm32);
        m.Cpu.SetSegment(SegmentRegister.Cs, Segment.Flat(TestMachine.Code32, 0x9B, 0xC));
        m.Cpu.Bitness.ShouldBe(32);
        m.Load(32, Pm32, a =>
        {
            a.push(TestMachine.Code64);
            a.push((uint)Lm64);
            a.retf();
        });
        m.Load(64, Lm64, a =>
        {
            a.mov(rax, -1L);
            a.hlt();
        });

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        m.Cpu.Bitness.ShouldBe(64);
        m.Cpu[Register.RAX].ShouldBe(ulong.MaxValue);
    }

    [Test]
    public void Enabling_paging_without_protection_raises_gp()
    {
        // SDM Vol. 3A §2.5: setting PG with PE clear is #GP(0); with no IVT handler space this is a triple fault.
        using var m = new TestMachine();
        m.Load(16, Real, a =>
        {
            a.mov(eax, unchecked((int)0x8000_0000));
            a.mov(cr0, eax);
            a.hlt();
        });
        m.EnterReal(0, (ushort)Real);
        m.Cpu.Idtr = new DescriptorTableRegister(0, 0);

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.TripleFault, r.ToString());
        r.Pc.ShouldBe(Real + 6);
    }

    [Test]
    public void Real_mode_software_interrupt_goes_through_the_ivt_and_iret_returns()
    {
        using var m = new TestMachine();
        const ushort handler = 0x9000;
        m.Memory.WriteU16(0x21 * 4, handler);
        m.Memory.WriteU16(0x21 * 4 + 2, 0);
        m.Load(16, handler, a =>
        {
            a.mov(ax, 0x1234);
            a.iret();
        });
        m.Load(16, Real, a =>
        {
            a.sti();
            a.@int(0x21);
            a.pushf();
            a.pop(bx);
            a.hlt();
        });
        m.EnterReal(0, (ushort)Real);

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        m.Cpu[Register.AX].ShouldBe(0x1234UL);
        (m.Cpu[Register.BX] & FlagBits.IF).ShouldBe(FlagBits.IF, "IRET restores the IF the INT cleared");
        m.Cpu[Register.SP].ShouldBe(0xFFF0UL);
    }

    [Test]
    public void Unreal_mode_keeps_a_4_GiB_limit_after_returning_to_real_mode()
    {
        // A data segment loaded in protected mode keeps its cached limit when PE is cleared (SDM Vol. 3A §3.4.3).
        using var m = new TestMachine();
        m.WriteGdt();
        m.Load(16, Real, a =>
        {
            a.mov(eax, cr0);
            a.or(al, 1);
            a.mov(cr0, eax);
            a.mov(bx, TestMachine.Data);
            a.mov(fs, bx);
            a.and(al, 0xFE);
            a.mov(cr0, eax);
            a.xor(bx, bx);
            a.mov(fs, bx);
            a.mov(esi, 0x20_0000);
            a.mov(__dword_ptr.fs[esi], 0x600DF00D);
            a.hlt();
        });
        m.EnterReal(0, (ushort)Real);

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        m.Memory.ReadU32(0x20_0000).ShouldBe(0x600DF00Du);
    }
}
