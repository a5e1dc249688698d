using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>
/// The specialised 64-bit mode memory forms (one handler per access size and segment kind) and the register forms of
/// MOVZX/MOVSX give what the general handlers give: every size, FS/GS bases, accesses that straddle a page.
/// </summary>
[TestFixture]
public class LongModeFormsTests
{
    private const ulong Buffer = 0x40_0000;

    private static TestMachine Run64(Action<Assembler> build, Action<TestMachine>? prepare = null)
    {
        var m = new TestMachine();
        prepare?.Invoke(m);
        m.Load(64, TestMachine.CodeBase, build);
        m.EnterLong64(TestMachine.CodeBase);
        var result = m.Run();
        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        return m;
    }

    [Test]
    public void Moves_of_every_size_read_and_write_memory_with_x86_merge_rules()
    {
        using var m = Run64(a =>
        {
            a.mov(ebx, (uint)Buffer);
            a.mov(rax, 0x1111_2222_3333_4444);
            a.mov(rcx, rax);
            a.mov(rdx, rax);
            a.mov(rsi, rax);
            a.mov(al, __byte_ptr[rbx]);
            a.mov(cx, __word_ptr[rbx]);
            a.mov(edx, __dword_ptr[rbx]);
            a.mov(rsi, __qword_ptr[rbx]);
            a.mov(ah, __byte_ptr[rbx + 1]);
            a.mov(__qword_ptr[rbx + 0x10], rsi);
            a.mov(__dword_ptr[rbx + 0x20], edx);
            a.mov(__word_ptr[rbx + 0x30], cx);
            a.mov(__byte_ptr[rbx + 0x40], ah);
            a.mov(__qword_ptr[rbx + 0x50], -2);
            a.mov(__byte_ptr[rbx + 0x60], 0x5A);
            a.hlt();
        }, m => m.Memory.Write(Buffer, BitConverter.GetBytes(0x8877_6655_4433_2211UL)));

        m.Cpu[Register.RAX].ShouldBe(0x1111_2222_3333_2211UL);
        m.Cpu[Register.RCX].ShouldBe(0x1111_2222_3333_2211UL);
        m.Cpu[Register.RDX].ShouldBe(0x4433_2211UL, "a 32-bit load zero-extends");
        m.Cpu[Register.RSI].ShouldBe(0x8877_6655_4433_2211UL);
        m.Memory.ReadU64(Buffer + 0x10).ShouldBe(0x8877_6655_4433_2211UL);
        m.Memory.ReadU64(Buffer + 0x20).ShouldBe(0x4433_2211UL);
        m.Memory.ReadU64(Buffer + 0x30).ShouldBe(0x2211UL);
        m.Memory.ReadU64(Buffer + 0x40).ShouldBe(0x22UL);
        m.Memory.ReadU64(Buffer + 0x50).ShouldBe(ulong.MaxValue - 1, "the immediate is sign-extended to 64 bits");
        m.Memory.ReadU64(Buffer + 0x60).ShouldBe(0x5AUL);
    }

    [Test]
    public void Movzx_and_movsx_extend_from_memory_and_registers()
    {
        using var m = Run64(a =>
        {
            a.mov(ebx, (uint)Buffer);
            a.movzx(eax, __byte_ptr[rbx]);
            a.mov(r11, rax);
            a.movsx(rcx, __byte_ptr[rbx]);
            a.movsx(edx, __word_ptr[rbx]);
            a.movsxd(rsi, __dword_ptr[rbx]);
            a.mov(rdi, 0x1234_5678_9ABC_DEF0);
            a.movzx(di, __byte_ptr[rbx]);
            a.mov(r8, 0x80F0);
            a.movsx(r9, r8b);
            a.movzx(r10d, r8w);
            a.mov(eax, 0x8000);
            a.movsx(ebp, ah); // no REX prefix: AH is encodable
            a.mov(r12d, 0xFFFF_8001);
            a.movsxd(r12, r12d);
            a.mov(r13, 0x1111_1111_1111_1111);
            a.movsx(r13w, r8b);
            a.hlt();
        }, m => m.Memory.Write(Buffer, BitConverter.GetBytes(0x0000_0000_8000_80F1UL)));

        m.Cpu[Register.R11].ShouldBe(0xF1UL);
        m.Cpu[Register.RCX].ShouldBe(0xFFFF_FFFF_FFFF_FFF1UL);
        m.Cpu[Register.RDX].ShouldBe(0xFFFF_80F1UL, "a 32-bit destination zero-extends");
        m.Cpu[Register.RSI].ShouldBe(0xFFFF_FFFF_8000_80F1UL);
        m.Cpu[Register.RDI].ShouldBe(0x1234_5678_9ABC_00F1UL, "a 16-bit destination keeps the upper bits");
        m.Cpu[Register.R9].ShouldBe(0xFFFF_FFFF_FFFF_FFF0UL);
        m.Cpu[Register.R10].ShouldBe(0x80F0UL);
        m.Cpu[Register.RBP].ShouldBe(0xFFFF_FF80UL);
        m.Cpu[Register.R12].ShouldBe(0xFFFF_FFFF_FFFF_8001UL);
        m.Cpu[Register.R13].ShouldBe(0x1111_1111_1111_FFF0UL);
    }

    [Test]
    public void Alu_memory_forms_compute_store_and_set_flags()
    {
        using var m = Run64(a =>
        {
            a.mov(ebx, (uint)Buffer);
            a.mov(eax, 5);
            a.add(__dword_ptr[rbx], eax);
            a.sub(__qword_ptr[rbx + 8], 1);
            a.setc(cl); // 0 - 1 borrows
            a.add(eax, __dword_ptr[rbx]);
            a.cmp(__byte_ptr[rbx + 0x10], 0x7F);
            a.setg(dl); // 0x80 as a signed byte is less than 0x7F
            a.test(__word_ptr[rbx + 0x10], 0x80);
            a.setne(sil);
            a.xor(__qword_ptr[rbx + 0x18], rax);
            a.hlt();
        }, m =>
        {
            m.Memory.Write(Buffer, BitConverter.GetBytes(10UL));
            m.Memory.WriteU8(Buffer + 0x10, 0x80);
        });

        m.Memory.ReadU64(Buffer).ShouldBe(15UL);
        m.Memory.ReadU64(Buffer + 8).ShouldBe(ulong.MaxValue);
        m.Cpu[Register.RCX].ShouldBe(1UL);
        m.Cpu[Register.RAX].ShouldBe(20UL);
        m.Cpu[Register.RDX].ShouldBe(0x600UL, "SETcc writes DL only (EDX held the reset signature)");
        m.Cpu[Register.RSI].ShouldBe(1UL);
        m.Memory.ReadU64(Buffer + 0x18).ShouldBe(20UL);
    }

    [Test]
    public void Fs_and_gs_add_their_base_and_ds_adds_none()
    {
        using var m = Run64(a =>
        {
            a.mov(ecx, 0xC000_0100); // IA32_FS_BASE (SDM Vol. 4, Table 2-2)
            a.mov(eax, (uint)Buffer);
            a.xor(edx, edx);
            a.wrmsr();
            a.mov(ecx, 0xC000_0101); // IA32_GS_BASE
            a.mov(eax, (uint)Buffer + 0x100);
            a.wrmsr();
            a.mov(r8, __qword_ptr.fs[8]);
            a.mov(__qword_ptr.gs[8], r8);
            a.add(__dword_ptr.gs[8], 1);
            a.movzx(r9d, __byte_ptr.fs[8]);
            a.mov(r10, __qword_ptr[Buffer + 8]);
            a.hlt();
        }, m => m.Memory.Write(Buffer + 8, BitConverter.GetBytes(0x0102_0304_0506_0708UL)));

        m.Cpu[Register.R8].ShouldBe(0x0102_0304_0506_0708UL);
        m.Memory.ReadU64(Buffer + 0x108).ShouldBe(0x0102_0304_0506_0709UL);
        m.Cpu[Register.R9].ShouldBe(0x08UL);
        m.Cpu[Register.R10].ShouldBe(0x0102_0304_0506_0708UL);
    }

    [Test]
    public void Accesses_that_straddle_a_page_take_the_slow_path_whole()
    {
        const ulong edge = Buffer + 0x1000 - 3;
        using var m = Run64(a =>
        {
            a.mov(ebx, (uint)edge);
            a.mov(rax, __qword_ptr[rbx]);
            a.mov(rcx, 0x1122_3344_5566_7788);
            a.mov(__qword_ptr[rbx + 0x100], rcx);
            a.add(__dword_ptr[rbx + 0x200], 1);
            a.hlt();
        }, m =>
        {
            m.Memory.Write(edge, BitConverter.GetBytes(0xA1A2_A3A4_A5A6_A7A8UL));
            m.Memory.Write(edge + 0x200, BitConverter.GetBytes(0xFFFF_FFFFU));
        });

        m.Cpu[Register.RAX].ShouldBe(0xA1A2_A3A4_A5A6_A7A8UL);
        m.Memory.ReadU64(edge + 0x100).ShouldBe(0x1122_3344_5566_7788UL);
        m.Memory.ReadU64(edge + 0x200).ShouldBe(0UL, "a 32-bit add wraps");
        (m.Cpu.Rflags & FlagBits.ZF).ShouldBe(FlagBits.ZF);
    }

    [Test]
    public void Register_moves_and_lea_write_the_whole_register_of_their_width()
    {
        using var m = Run64(a =>
        {
            a.mov(rax, unchecked((long)0xFFFF_FFFF_8765_4321));
            a.mov(rbx, -1);
            a.mov(rcx, -1);
            a.mov(rdx, -1);
            a.mov(rbx, rax); // 64-bit: all of it
            a.mov(ecx, eax); // 32-bit: zero-extended (SDM Vol. 1 §3.4.1.1)
            a.mov(dx, ax); // 16-bit: the rest of RDX kept
            a.lea(rsi, __qword_ptr[rax + rax * 2 + 5]);
            a.lea(edi, __dword_ptr[rax + 1]);
            a.hlt();
        });

        m.Cpu[Register.RBX].ShouldBe(0xFFFF_FFFF_8765_4321UL);
        m.Cpu[Register.RCX].ShouldBe(0x8765_4321UL);
        m.Cpu[Register.RDX].ShouldBe(0xFFFF_FFFF_FFFF_4321UL);
        m.Cpu[Register.RSI].ShouldBe(unchecked(0xFFFF_FFFF_8765_4321UL * 3 + 5));
        m.Cpu[Register.RDI].ShouldBe(0x8765_4322UL);
    }

    [Test]
    public void Cmov_moves_when_its_condition_holds_and_a_32_bit_one_zero_extends_even_when_it_does_not()
    {
        using var m = Run64(a =>
        {
            a.mov(rax, 0x1111_2222_3333_4444);
            a.mov(rbx, -1);
            a.mov(rcx, -1);
            a.mov(rdx, -1);
            a.mov(rsi, -1);
            a.cmp(eax, eax); // ZF set
            a.cmove(rbx, rax);
            a.cmovne(ecx, eax);
            a.cmove(dx, ax);
            a.cmovne(rsi, rax);
            a.hlt();
        });

        m.Cpu[Register.RBX].ShouldBe(0x1111_2222_3333_4444UL, "taken");
        m.Cpu[Register.RCX].ShouldBe(0xFFFF_FFFFUL, "not taken, but a 32-bit destination is zero-extended");
        m.Cpu[Register.RDX].ShouldBe(0xFFFF_FFFF_FFFF_4444UL, "taken, 16 bits");
        m.Cpu[Register.RSI].ShouldBe(ulong.MaxValue, "not taken, 64 bits");
    }

    [Test]
    public void Ret_with_an_immediate_releases_the_callers_parameters()
    {
        using var m = Run64(a =>
        {
            var function = a.CreateLabel();
            var end = a.CreateLabel();
            a.mov(rbx, rsp);
            a.push(1);
            a.push(2);
            a.call(function);
            a.mov(rcx, rbx);
            a.sub(rcx, rsp);
            a.jmp(end);
            a.Label(ref function);
            a.mov(eax, 7);
            a.ret(16);
            a.Label(ref end);
            a.hlt();
        });

        m.Cpu[Register.RAX].ShouldBe(7UL);
        m.Cpu[Register.RCX].ShouldBe(0UL, "the two pushed quadwords are gone with the return address");
    }
}
