using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>Exception delivery through 64-bit and 32-bit IDTs: frames, error codes, #DF, triple fault, IST (SDM Vol. 3A ch. 6).</summary>
[TestFixture]
public class ExceptionTests
{
    private const ulong Handler = 0x18000;

    /// <summary>Long mode with a handler for <paramref name="vector"/> that records the frame and halts.</summary>
    private static TestMachine LongMode(int vector, bool hasError)
    {
        var m = new TestMachine();
        m.EnterLong64(TestMachine.CodeBase);
        m.SetGate64(vector, Handler);
        m.Load(64, Handler, a =>
        {
            if (hasError)
                a.pop(r8);
            a.mov(r9, __qword_ptr[rsp]);      // RIP
            a.mov(r10, __qword_ptr[rsp + 8]); // CS
            a.mov(r11, __qword_ptr[rsp + 16]); // RFLAGS
            a.mov(r12, __qword_ptr[rsp + 24]); // RSP
            a.mov(r13, __qword_ptr[rsp + 32]); // SS
            a.hlt();
        });
        return m;
    }

    [Test]
    public void Divide_error_pushes_a_64_bit_frame_pointing_at_the_div()
    {
        using var m = LongMode(ExceptionVector.DivideError, false);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.xor(ecx, ecx);
            a.div(rcx);
            a.hlt();
        });

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        m.Cpu[Register.R9].ShouldBe(TestMachine.CodeBase + 2);
        m.Cpu[Register.R10].ShouldBe((ulong)TestMachine.Code64);
        m.Cpu[Register.R12].ShouldBe(TestMachine.StackTop);
        m.Cpu[Register.R13].ShouldBe((ulong)TestMachine.Data);
        (m.Cpu[Register.R11] & FlagBits.Fixed1).ShouldBe(FlagBits.Fixed1);
        m.Cpu[Register.RSP].ShouldBe(TestMachine.StackTop - 40, "SS, RSP, RFLAGS, CS, RIP pushed; RSP aligned to 16 first");
    }

    [Test]
    public void Idiv_of_the_most_negative_edx_eax_by_minus_one_is_a_divide_error()
    {
        // EDX:EAX = -2^63, ECX = -1: the quotient 2^63 does not fit EAX (SDM Vol. 2A IDIV: #DE). Found by the
        // x86-protected fuzz target, where it was an internal error (fuzz/regressions/x86-protected/idiv-edx-eax-min-by-minus-one).
        using var m = LongMode(ExceptionVector.DivideError, false);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(edx, 0x8000_0000);
            a.xor(eax, eax);
            a.mov(ecx, -1);
            a.idiv(ecx);
            a.hlt();
        });

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        m.Cpu[Register.R9].ShouldBe(TestMachine.CodeBase + 12, "the frame points at the IDIV");
        m.Cpu[Register.RAX].ShouldBe(0UL);
        m.Cpu[Register.RDX].ShouldBe(0x8000_0000UL);
    }

    [Test]
    public void Ud2_raises_invalid_opcode()
    {
        // BUG() is ud2 (arch/x86/include/asm/bug.h).
        using var m = LongMode(ExceptionVector.InvalidOpcode, false);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.nop();
            a.ud2();
        });

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.R9].ShouldBe(TestMachine.CodeBase + 1);
    }

    [Test]
    public void Unknown_msr_raises_gp_and_a_fixup_handler_can_skip_it()
    {
        // rdmsr_safe: the #GP handler moves RIP past the 2-byte RDMSR and returns.
        using var m = new TestMachine();
        m.EnterLong64(TestMachine.CodeBase);
        m.SetGate64(ExceptionVector.GeneralProtection, Handler);
        m.Load(64, Handler, a =>
        {
            a.pop(r8);
            a.add(__qword_ptr[rsp], 2);
            a.mov(r14, 1);
            a.iretq();
        });
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(ecx, 0x1234_5678);
            a.rdmsr();
            a.mov(ecx, 0xC000_0080);
            a.rdmsr();
            a.hlt();
        });

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        m.Cpu[Register.R14].ShouldBe(1UL);
        m.Cpu[Register.R8].ShouldBe(0UL);
        (m.Cpu[Register.EAX] & ControlBits.EferLma).ShouldBe(ControlBits.EferLma);
    }

    [Test]
    public void Setting_cr4_la57_raises_gp_because_5_level_paging_is_not_supported()
    {
        // SDM Vol. 3A §2.5: setting a CR4 bit for an unsupported feature is #GP(0); the CPUID table does not
        // advertise LA57 (leaf 7 ECX[16]). Linux probes it this way in its 5-level paging detection.
        using var m = LongMode(ExceptionVector.GeneralProtection, true);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(rax, cr4);
            a.bts(rax, 12);
            a.mov(cr4, rax);
            a.hlt();
        });

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        m.Cpu[Register.R9].ShouldBe(TestMachine.CodeBase + 8, "the faulting MOV to CR4");
        (m.Cpu.Cr4 & ControlBits.Cr4La57).ShouldBe(0UL);
    }

    [Test]
    public void Int3_returns_to_the_next_instruction()
    {
        using var m = LongMode(ExceptionVector.Breakpoint, false);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.int3();
            a.hlt();
        });

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.R9].ShouldBe(TestMachine.CodeBase + 1);
    }

    [Test]
    public void Page_fault_through_a_not_present_gate_becomes_a_double_fault()
    {
        // #PF then #NP (contributory) while delivering it → #DF with error code 0 (SDM Vol. 3A Table 6-5).
        using var m = LongMode(ExceptionVector.DoubleFault, true);
        m.SetGate64(ExceptionVector.PageFault, Handler);
        m.Memory.WriteU8(TestMachine.IdtBase + 14 * 16 + 5, 0x0E); // clear P
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(rax, 0x7_0000_0000);
            a.mov(rax, __qword_ptr[rax]);
            a.hlt();
        });

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        m.Cpu[Register.R8].ShouldBe(0UL);
        m.Cpu[Register.R9].ShouldBe(TestMachine.CodeBase + 10);
        m.Cpu.Cr2.ShouldBe(0x7_0000_0000UL);
    }

    [Test]
    public void Fault_without_an_idt_is_a_triple_fault_stop()
    {
        // The "8-byte IDT" a VMM leaves behind turns BUG() into a triple fault (arch/x86/platform/pvh/enlighten.c xen_prepare_pvh BUG()s on a bad magic).
        using var m = new TestMachine();
        m.EnterLong64(TestMachine.CodeBase);
        m.Cpu.Idtr = new DescriptorTableRegister(0, 7);
        m.Load(64, TestMachine.CodeBase, a => a.ud2());

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.TripleFault);
        r.Pc.ShouldBe(TestMachine.CodeBase);
        r.Detail.ShouldNotBeNull().ShouldContain("#UD");
    }

    [Test]
    public void Ist_entry_switches_to_the_tss_stack()
    {
        using var m = LongMode(ExceptionVector.InvalidOpcode, false);
        m.SetGate64(ExceptionVector.InvalidOpcode, Handler, ist: 1);
        m.Memory.WriteU64(TestMachine.TssBase + 0x24, 0x6_0008); // IST1, deliberately misaligned
        m.Cpu.SetSegment(SegmentRegister.Tr, new Segment(TestMachine.Tss, TestMachine.TssBase, 0x67, 0x8B));
        m.Load(64, TestMachine.CodeBase, a => a.ud2());

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.RSP].ShouldBe(0x6_0000UL - 40, "IST stack aligned down to 16 bytes");
        m.Cpu[Register.R12].ShouldBe(TestMachine.StackTop, "old RSP saved in the frame");
    }

    [Test]
    public void Protected_mode_gp_pushes_its_error_code_through_a_32_bit_gate()
    {
        using var m = new TestMachine();
        m.EnterProtected32(TestMachine.CodeBase);
        m.SetGate32(ExceptionVector.GeneralProtection, (uint)Handler);
        m.Load(32, Handler, a =>
        {
            a.pop(eax);
            a.pop(ebx);
            a.hlt();
        });
        m.Load(32, TestMachine.CodeBase, a =>
        {
            a.mov(cx, 0x43); // selector index 8 is past the GDT limit
            a.mov(ds, cx);
            a.hlt();
        });

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        m.Cpu[Register.EAX].ShouldBe(0x40UL, "error code = selector with RPL cleared (SDM Vol. 3A §6.13)");
        m.Cpu[Register.EBX].ShouldBe(TestMachine.CodeBase + 4);
    }

    [Test]
    public void Loading_a_segment_from_the_gdt_fills_the_hidden_cache()
    {
        using var m = new TestMachine();
        m.EnterProtected32(TestMachine.CodeBase);
        m.Load(32, TestMachine.CodeBase, a =>
        {
            a.mov(cx, TestMachine.Data16);
            a.mov(es, cx);
            a.hlt();
        });

        m.Run().Reason.ShouldBe(StopReason.Halt);
        var loaded = m.Cpu.GetSegment(SegmentRegister.Es);
        loaded.Limit.ShouldBe(0xFFFFu);
        loaded.Big.ShouldBeFalse();
        (loaded.Attributes & 1).ShouldBe(1, "accessed bit set");
        (m.Memory.ReadU8(TestMachine.GdtBase + TestMachine.Data16 + 5) & 1).ShouldBe(1, "and written back to the descriptor");
    }
}
