using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>Far CALL/JMP through call gates (SDM Vol. 2 CALL/JMP "CALL-GATE", Vol. 3A §5.8.3–§5.8.6) and task-switch targets.</summary>
[TestFixture]
public class CallGateTests
{
    private const ulong Kernel = 0x18000, Fault = 0x1A000, Results = 0x5000, Stack0 = 0x70000, UserStack = 0x60000;
    private const ushort UserCode = 0x43, UserData = 0x4B, Gate3 = 0x53, Gate0 = 0x58, MissingGate = 0x63, TaskState = 0x68;

    /// <summary>Legacy gate descriptor (SDM Vol. 3A Figure 5-8): offset, selector, parameter count, type, DPL, P.</summary>
    private static ulong Gate(ulong offset, ushort selector, int parameters, int type, int dpl, bool present = true)
        => (offset & 0xFFFF) | ((ulong)selector << 16) | ((ulong)parameters << 32) | ((ulong)((present ? 0x80 : 0) | (dpl << 5) | type) << 40) | ((offset >> 16) << 48);

    /// <summary>32-bit protected mode with ring-3 segments, call gates, a 32-bit TSS (ESP0/SS0) and #GP/#NP handlers that record the error code.</summary>
    private static TestMachine Legacy(bool user)
    {
        var m = new TestMachine();
        m.EnterProtected32(TestMachine.CodeBase);
        (ushort Selector, ulong Raw)[] extra =
        [
            (0x40, 0x00CF_FB00_0000_FFFF),                   // ring-3 code
            (0x48, 0x00CF_F300_0000_FFFF),                   // ring-3 data
            (0x50, Gate(Kernel, TestMachine.Code32, 2, 0xC, 3)),  // 32-bit call gate, DPL 3, two parameters
            (0x58, Gate(Kernel, TestMachine.Code32, 0, 0xC, 0)),  // 32-bit call gate, DPL 0
            (0x60, Gate(Kernel, TestMachine.Code32, 0, 0xC, 3, present: false)),
            (0x68, 0x0000_8900_0900_0067),                   // available 32-bit TSS
        ];
        foreach (var (selector, raw) in extra)
            m.Memory.WriteU64(TestMachine.GdtBase + selector, raw);
        m.Cpu.Gdtr = new DescriptorTableRegister(TestMachine.GdtBase, 0x6F);
        m.Memory.WriteU32(TestMachine.TssBase + 4, (uint)Stack0);
        m.Memory.WriteU16(TestMachine.TssBase + 8, TestMachine.Data);
        m.Cpu.SetSegment(SegmentRegister.Tr, new Segment(TestMachine.Tss, TestMachine.TssBase, 0x67, 0x8B));
        foreach (var vector in new[] { ExceptionVector.GeneralProtection, ExceptionVector.SegmentNotPresent })
            m.SetGate32(vector, (uint)Fault);
        m.Load(32, Fault, a =>
        {
            a.mov(esi, __dword_ptr[esp]); // error code
            a.mov(edi, 0xFA);
            a.hlt();
        });
        if (user)
        {
            m.Cpu.SetSegment(SegmentRegister.Cs, Segment.Flat(UserCode, 0xFB, 0xC));
            m.Cpu.SetSegment(SegmentRegister.Ss, Segment.Flat(UserData, 0xF3, 0xC));
            m.Cpu[Register.ESP] = UserStack;
        }
        return m;
    }

    [Test]
    public void Call_through_a_gate_to_ring_0_switches_stacks_and_copies_parameters()
    {
        using var m = Legacy(user: true);
        m.Load(32, Kernel, a =>
        {
            a.mov(ecx, cs);
            a.mov(__dword_ptr[Results], ecx);
            a.mov(__dword_ptr[Results + 4], esp);
            for (var i = 0; i < 6; i++)
            {
                a.mov(eax, __dword_ptr[esp + i * 4]);
                a.mov(__dword_ptr[Results + 8 + (ulong)i * 4], eax);
            }
            a.retf(8);
        });
        m.Load(32, TestMachine.CodeBase, a =>
        {
            a.push(0x2222_2222);
            a.push(0x1111_1111);
            a.call(Gate3, 0);
            a.mov(ebx, esp);
            a.mov(edx, cs);
            a.hlt(); // #GP at ring 3 ends the test in the fault handler
        });

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        m.Memory.ReadU32(Results).ShouldBe((uint)TestMachine.Code32, "CPL 0 in the gate's code segment");
        m.Memory.ReadU32(Results + 4).ShouldBe((uint)(Stack0 - 24), "ESP0 from the TSS minus the frame");
        // SDM Vol. 3A Figure 5-13: EIP, CS, parameters (copied in order), caller's ESP and SS.
        uint[] frame = [(uint)TestMachine.CodeBase + 17, UserCode, 0x1111_1111, 0x2222_2222, (uint)UserStack - 8, UserData];
        for (var i = 0; i < frame.Length; i++)
            m.Memory.ReadU32(Results + 8 + (ulong)i * 4).ShouldBe(frame[i], $"frame dword {i}");
        m.Cpu[Register.EBX].ShouldBe(UserStack, "RETF 8 released the parameters on the caller's stack");
        m.Cpu[Register.EDX].ShouldBe((ulong)UserCode, "back at ring 3");
        m.Cpu[Register.EDI].ShouldBe(0xFAUL);
    }

    [Test]
    public void Jmp_through_a_gate_enters_its_code_segment_at_the_gate_offset()
    {
        using var m = Legacy(user: false);
        m.Load(32, Kernel, a =>
        {
            a.mov(ecx, cs);
            a.hlt();
        });
        m.Load(32, TestMachine.CodeBase, a => a.jmp(Gate0, 0x1234));

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        m.Cpu[Register.ECX].ShouldBe((ulong)TestMachine.Code32);
        m.Cpu.Rip.ShouldBe(Kernel + 3, "the offset in the instruction is ignored");
    }

    public static IEnumerable<TestCaseData> Faults()
    {
        yield return new TestCaseData(Gate0, (ulong)Gate0).SetName("gate DPL 0 < CPL 3: #GP(gate selector)");
        yield return new TestCaseData(MissingGate, (ulong)(MissingGate & ~3)).SetName("gate not present: #NP(gate selector)");
    }

    [TestCaseSource(nameof(Faults))]
    public void Call_from_ring_3_through_a_forbidden_gate_faults(ushort gate, ulong error)
    {
        using var m = Legacy(user: true);
        m.Load(32, TestMachine.CodeBase, a => a.call(gate, 0));

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.EDI].ShouldBe(0xFAUL);
        m.Cpu[Register.ESI].ShouldBe(error);
    }

    [Test]
    public void Call_to_a_tss_stops_as_an_unimplemented_task_switch()
    {
        using var m = Legacy(user: false);
        m.Load(32, TestMachine.CodeBase, a => a.call(TaskState, 0));

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Unimplemented);
        r.Pc.ShouldBe(TestMachine.CodeBase);
        r.Detail!.ShouldContain("task switch");
    }

    /// <summary>Long mode with a 16-byte 64-bit call gate at 0x40 to <paramref name="code"/>:<see cref="Kernel"/>.</summary>
    private static TestMachine Long(ushort code)
    {
        var m = new TestMachine();
        m.EnterLong64(TestMachine.CodeBase);
        m.Memory.WriteU64(TestMachine.GdtBase + 0x40, Gate(Kernel, code, 0, 0xC, 0));
        m.Memory.WriteU64(TestMachine.GdtBase + 0x48, Kernel >> 32);
        m.Cpu.Gdtr = new DescriptorTableRegister(TestMachine.GdtBase, 0x4F);
        m.SetGate64(ExceptionVector.GeneralProtection, Fault);
        m.Load(64, Fault, a =>
        {
            a.mov(rsi, __qword_ptr[rsp]);
            a.mov(edi, 0xFA);
            a.hlt();
        });
        // Far pointer m16:32 for the indirect CALL/JMP: offset (ignored with a gate), selector 0x40.
        m.Memory.WriteU32(Results, 0);
        m.Memory.WriteU16(Results + 4, 0x40);
        return m;
    }

    [Test]
    public void Call_through_a_64_bit_gate_pushes_8_byte_cs_and_rip()
    {
        using var m = Long(TestMachine.Code64);
        m.Load(64, Kernel, a =>
        {
            a.mov(rbx, __qword_ptr[rsp]);
            a.mov(rcx, __qword_ptr[rsp + 8]);
            a.db(0x48, 0xCB); // retfq
        });
        var code = m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(eax, (uint)Results);
            a.call(__fword_ptr[rax]);
            a.mov(rdx, rsp);
            a.hlt();
        });

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        m.Cpu[Register.RBX].ShouldBe(TestMachine.CodeBase + (ulong)code.Length - 4, "return RIP: the MOV after the call");
        m.Cpu[Register.RCX].ShouldBe((ulong)TestMachine.Code64);
        m.Cpu[Register.RDX].ShouldBe(TestMachine.StackTop);
    }

    [Test]
    public void Jmp_through_a_64_bit_gate_to_32_bit_code_faults()
    {
        // SDM Vol. 2 JMP: in IA-32e mode the gate's code segment must be 64-bit (L = 1, D = 0), else #GP(selector).
        using var m = Long(TestMachine.Code32);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(eax, (uint)Results);
            a.jmp(__fword_ptr[rax]);
        });

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.EDI].ShouldBe(0xFAUL);
        m.Cpu[Register.RSI].ShouldBe((ulong)TestMachine.Code32);
    }
}
