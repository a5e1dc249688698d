using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>SYSCALL/SYSRET between ring 0 and ring 3 in long mode (SDM Vol. 2 SYSCALL, SYSRET).</summary>
[TestFixture]
public class SystemCallTests
{
    internal const ulong Entry = 0x18000, User = 0x1A000, Fault = 0x1C000, Stack0 = 0x70000;

    // Linux's values (arch/x86/kernel/cpu/common.c syscall_init, asm/segment.h): STAR = __USER32_CS << 48 |
    // __KERNEL_CS << 32 with __KERNEL_CS 0x10, __KERNEL_DS 0x18, __USER32_CS 0x23, __USER_DS 0x2B, __USER_CS 0x33.
    internal const ulong Star = (0x23UL << 48) | (0x10UL << 32);

    /// <summary>Long mode with user-accessible identity paging, a TSS with RSP0, STAR/LSTAR/FMASK set and EFER.SCE as given.</summary>
    private static TestMachine Machine(bool sce = true)
    {
        var m = new TestMachine();
        MakeUserCapable(m, sce);
        return m;
    }

    /// <summary><see cref="Machine"/>'s set-up applied to <paramref name="m"/>: #GP and #UD end in a handler at <see cref="Fault"/> that halts.</summary>
    internal static void MakeUserCapable(TestMachine m, bool sce = true)
    {
        m.EnterLong64(TestMachine.CodeBase);
        // U/S on every level so ring-3 code and stack are reachable (SDM Vol. 3A §4.6).
        m.Memory.WriteU64(TestMachine.PageTables, m.Memory.ReadU64(TestMachine.PageTables) | 4);
        for (ulong i = 0; i < 4; i++)
        {
            var pdpte = TestMachine.PageTables + 0x1000 + i * 8;
            m.Memory.WriteU64(pdpte, m.Memory.ReadU64(pdpte) | 4);
            for (ulong j = 0; j < 512; j++)
            {
                var pde = TestMachine.PageTables + 0x2000 + i * 0x1000 + j * 8;
                m.Memory.WriteU64(pde, m.Memory.ReadU64(pde) | 4);
            }
        }
        m.Cpu.SetSegment(SegmentRegister.Tr, new Segment(TestMachine.Tss, TestMachine.TssBase, 0x67, 0x8B));
        m.Memory.WriteU64(TestMachine.TssBase + 4, Stack0);
        m.Cpu.Efer |= sce ? ControlBits.EferSce : 0;
        m.Cpu.Msrs.Set(0xC000_0081, Star);
        m.Cpu.Msrs.Set(0xC000_0082, Entry);
        m.Cpu.Msrs.Set(0xC000_0084, FlagBits.IF | FlagBits.DF | FlagBits.TF);
        foreach (var vector in new[] { ExceptionVector.InvalidOpcode, ExceptionVector.GeneralProtection })
            m.SetGate64(vector, Fault);
        m.Load(64, Fault, a =>
        {
            a.mov(rdi, __qword_ptr[rsp]); // error code (#GP) or RIP (#UD)
            a.mov(esi, 0xFA);
            a.hlt();
        });
    }

    [Test]
    public void Syscall_enters_ring_0_at_lstar_and_sysretq_returns_to_ring_3()
    {
        using var m = Machine();
        // Kernel entry: first time record the state and SYSRETQ to user code; second time halt.
        m.Load(64, Entry, a =>
        {
            var second = a.CreateLabel();
            a.inc(r15);
            a.cmp(r15, 2);
            a.je(second);
            a.mov(r8d, cs);
            a.mov(r9, rcx);
            a.mov(r10, r11);
            a.pushfq();
            a.pop(r12);
            a.mov(ecx, (uint)User);
            a.mov(r11d, 0x202);
            a.sysretq();
            a.Label(ref second);
            a.mov(ebp, ss);
            a.hlt();
        });
        m.Load(64, User, a =>
        {
            a.mov(r13d, cs);
            a.mov(r14d, ss);
            a.pushfq();
            a.pop(rbx);
            a.syscall();
        });
        var returnAddress = 0UL;
        var code = m.Load(64, TestMachine.CodeBase, a =>
        {
            a.xor(r15d, r15d);
            a.sti();
            a.std();
            a.syscall();
            a.hlt();
        });
        returnAddress = TestMachine.CodeBase + (ulong)code.Length - 1;

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        m.Cpu[Register.R15].ShouldBe(2UL);
        m.Cpu[Register.R8].ShouldBe(0x10UL, "CS = STAR[47:32]");
        m.Cpu[Register.R9].ShouldBe(returnAddress, "RCX = the instruction after SYSCALL");
        (m.Cpu[Register.R10] & (FlagBits.IF | FlagBits.DF)).ShouldBe(FlagBits.IF | FlagBits.DF, "R11 = RFLAGS before");
        (m.Cpu[Register.R12] & (FlagBits.IF | FlagBits.DF)).ShouldBe(0UL, "IA32_FMASK bits cleared");
        m.Cpu[Register.R13].ShouldBe(0x33UL, "SYSRETQ: CS = STAR[63:48] + 16, RPL 3");
        m.Cpu[Register.R14].ShouldBe(0x2BUL, "SS = STAR[63:48] + 8, RPL 3");
        m.Cpu[Register.RBX].ShouldBe(0x202UL, "RFLAGS = R11 & 3C7FD7h | 2");
        m.Cpu[Register.EBP].ShouldBe(0x18UL, "second SYSCALL: SS = STAR[47:32] + 8");
        m.Cpu.Cpl.ShouldBe(0);
    }

    [Test]
    public void Syscall_without_efer_sce_raises_invalid_opcode()
    {
        using var m = Machine(sce: false);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.syscall();
            a.hlt();
        });

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.ESI].ShouldBe(0xFAUL);
        m.Cpu[Register.RDI].ShouldBe(TestMachine.CodeBase, "#UD frame points at the SYSCALL");
    }

    [Test]
    public void Sysretd_returns_to_compatibility_mode_where_syscall_is_invalid()
    {
        // SYSRET without REX.W: CS = STAR[63:48] | 3 as 32-bit code, RIP = ECX; Intel CPUs raise #UD for
        // SYSCALL outside 64-bit mode.
        using var m = Machine();
        m.Load(32, User, a =>
        {
            a.mov(eax, 0x1234);
            a.syscall();
        });
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(ecx, (uint)User);
            a.mov(r11d, 0x2);
            a.sysret();
        });

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        m.Cpu[Register.EAX].ShouldBe(0x1234UL);
        m.Cpu[Register.ESI].ShouldBe(0xFAUL);
        m.Cpu[Register.RDI].ShouldBe(User + 5, "#UD at the SYSCALL in compatibility mode");
    }

    [Test]
    public void Sysret_at_ring_3_raises_general_protection()
    {
        using var m = Machine();
        m.Load(64, User, a => a.sysretq());
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(ecx, (uint)User);
            a.mov(r11d, 0x2);
            a.sysretq();
        });

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.ESI].ShouldBe(0xFAUL);
        m.Cpu[Register.RDI].ShouldBe(0UL, "#GP(0)");
        m.Cpu[Register.RSP].ShouldBe(Stack0 - 48, "delivered on the TSS RSP0 stack");
    }
}
