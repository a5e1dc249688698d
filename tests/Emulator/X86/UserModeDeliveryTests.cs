using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>
/// Exceptions from ring 3 and IRET back to it while the IDT, GDT, TSS and kernel stack sit on supervisor-only
/// pages, as in Linux (the cpu_entry_area): those accesses are implicit supervisor accesses whatever the CPL
/// (SDM Vol. 3A §4.6.1), so neither the delivery nor IRET's SS descriptor read may fault.
/// </summary>
[TestFixture]
public class UserModeDeliveryTests
{
    private const ulong Handler = 0x1C000, Stack0 = 0x70000, UserCode = 0x20_0000, UserStack = 0x30_0000;
    // SYSRET64: CS = STAR[63:48] + 16, SS = STAR[63:48] + 8 (SDM Vol. 2B SYSRET); user data at 0x40, user code at 0x48.
    private const ulong Star = 0x3BUL << 48 | (ulong)TestMachine.Code64 << 32;

    private static TestMachine Machine()
    {
        var m = new TestMachine();
        m.EnterLong64(TestMachine.CodeBase);
        // U/S on the upper levels and on the second 2 MiB page only: the first (GDT, IDT, TSS, handler, RSP0 stack) stays supervisor.
        m.Memory.WriteU64(TestMachine.PageTables, m.Memory.ReadU64(TestMachine.PageTables) | 4);
        m.Memory.WriteU64(TestMachine.PageTables + 0x1000, m.Memory.ReadU64(TestMachine.PageTables + 0x1000) | 4);
        var pde1 = TestMachine.PageTables + 0x2000 + 8;
        m.Memory.WriteU64(pde1, m.Memory.ReadU64(pde1) | 4);
        m.Memory.WriteU64(TestMachine.GdtBase + 0x40, 0x00CF_F300_0000_FFFF); // DPL-3 data
        m.Memory.WriteU64(TestMachine.GdtBase + 0x48, 0x00AF_FB00_0000_FFFF); // DPL-3 64-bit code
        m.Cpu.Gdtr = new DescriptorTableRegister(TestMachine.GdtBase, 0x4F);
        m.Cpu.SetSegment(SegmentRegister.Tr, new Segment(TestMachine.Tss, TestMachine.TssBase, 0x67, 0x8B));
        m.Memory.WriteU64(TestMachine.TssBase + 4, Stack0);
        m.Cpu.Efer |= ControlBits.EferSce;
        m.Cpu.Msrs.Set(0xC000_0081, Star);
        m.Cpu.Msrs.Set(0xC000_0084, 0);
        m.SetGate64(ExceptionVector.InvalidOpcode, Handler);
        m.Load(64, Handler, a =>
        {
            var last = a.CreateLabel();
            a.inc(r15);
            a.mov(rdi, __qword_ptr[rsp]); // the faulting RIP
            a.cmp(r15, 1);
            a.jne(last);
            a.add(__qword_ptr[rsp], 2); // skip the UD2
            a.iretq(); // back to ring 3: reads the DPL-3 SS descriptor from the supervisor GDT page
            a.Label(ref last);
            a.hlt();
        });
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(ecx, (uint)UserCode);
            a.mov(r11d, 0x2);
            a.mov(rsp, UserStack);
            a.sysretq();
        });
        m.Load(64, UserCode, a =>
        {
            a.ud2();
            a.mov(r12d, 7);
            a.ud2();
        });
        return m;
    }

    [Test]
    public void Faults_in_ring_3_reach_the_handler_and_iret_returns_to_ring_3()
    {
        using var m = Machine();

        var result = m.Run();

        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        m.Cpu[Register.R15].ShouldBe(2UL, "both UD2s were delivered");
        m.Cpu[Register.R12D].ShouldBe(7UL, "IRET resumed ring-3 code");
        m.Cpu[Register.RDI].ShouldBe(UserCode + 2 + 6);
        m.Cpu.Cpl.ShouldBe(0);
        m.Cpu[Register.RSP].ShouldBe(Stack0 - 5 * 8, "the frame went on the TSS's RSP0 stack");
    }

    [Test]
    public void Ring_3_code_still_cannot_read_the_supervisor_page_after_a_delivery()
    {
        using var m = Machine();
        m.SetGate64(ExceptionVector.PageFault, Handler + 0x100);
        m.Load(64, Handler + 0x100, a =>
        {
            a.mov(r13, __qword_ptr[rsp]); // error code
            a.hlt();
        });
        m.Load(64, UserCode, a =>
        {
            a.ud2();
            a.mov(rax, __qword_ptr[TestMachine.IdtBase]); // the IDT page the delivery just read
        });

        var result = m.Run();

        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        m.Cpu[Register.R15].ShouldBe(1UL);
        m.Cpu[Register.R13].ShouldBe(5UL, "#PF: present, read, user");
    }
}
