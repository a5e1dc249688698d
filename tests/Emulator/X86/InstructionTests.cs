using System.Text;
using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>Instructions the differential generator does not cover: system state, strings with large counts, stack frames, SSE moves.</summary>
[TestFixture]
public class InstructionTests
{
    private const ulong Buffer = 0x40_0000;

    private static TestMachine Run64(Action<Assembler> build, out RunResult result)
    {
        var m = new TestMachine();
        m.Load(64, TestMachine.CodeBase, build);
        m.EnterLong64(TestMachine.CodeBase);
        result = m.Run();
        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        return m;
    }

    [Test]
    public void Cpuid_reports_the_configured_identity()
    {
        // Leaves Linux's entry code reads (arch/x86/kernel/verify_cpu.S, arch/x86/platform/pvh/enlighten.c xen_cpuid_base): vendor, CPUID.1:ECX[31], LM and NX, hypervisor range.
        using var m = Run64(a =>
        {
            a.xor(eax, eax);
            a.cpuid();
            a.mov(r8d, ebx);
            a.mov(eax, 1);
            a.cpuid();
            a.mov(r9d, ecx);
            a.mov(eax, 0x8000_0001);
            a.cpuid();
            a.mov(r10d, edx);
            a.mov(eax, 0x4000_0000);
            a.cpuid();
            a.hlt();
        }, out _);

        Encoding.ASCII.GetString(BitConverter.GetBytes((uint)m.Cpu[Register.R8])).ShouldBe("Genu");
        (m.Cpu[Register.R9] >> 31).ShouldBe(1UL, "hypervisor bit");
        (m.Cpu[Register.R10] & ((1UL << 29) | (1UL << 20))).ShouldBe((1UL << 29) | (1UL << 20), "LM and NX");
        var signature = new byte[12];
        BitConverter.GetBytes((uint)m.Cpu[Register.EBX]).CopyTo(signature, 0);
        BitConverter.GetBytes((uint)m.Cpu[Register.ECX]).CopyTo(signature, 4);
        BitConverter.GetBytes((uint)m.Cpu[Register.EDX]).CopyTo(signature, 8);
        Encoding.ASCII.GetString(signature).ShouldNotBe("XenVMMXenVMM");
    }

    [Test]
    public void Rep_movsq_and_stosq_handle_runs_across_pages()
    {
        using var m = new TestMachine();
        var source = Enumerable.Range(0, 3 * 4096).Select(i => (byte)(i * 7)).ToArray();
        m.Memory.Write(Buffer + 8, source);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(esi, (uint)Buffer + 8);
            a.mov(edi, (uint)Buffer + 0x10_0008);
            a.mov(ecx, 3 * 512);
            a.rep.movsq();
            a.mov(edi, (uint)Buffer + 0x20_0000);
            a.mov(rax, 0x0102_0304_0506_0708);
            a.mov(ecx, 1000);
            a.rep.stosq();
            a.hlt();
        });
        m.EnterLong64(TestMachine.CodeBase);

        m.Run().Reason.ShouldBe(StopReason.Halt);

        m.Memory.ReadBytes(Buffer + 0x10_0008, source.Length).ShouldBe(source);
        m.Cpu[Register.RCX].ShouldBe(0UL);
        m.Cpu[Register.RSI].ShouldBe(Buffer + 8 + (ulong)source.Length);
        m.Memory.ReadU64(Buffer + 0x20_0000 + 999 * 8).ShouldBe(0x0102_0304_0506_0708UL);
        m.Memory.ReadU64(Buffer + 0x20_0000 + 1000 * 8).ShouldBe(0UL);
    }

    [Test]
    public void Overlapping_rep_movsb_replicates_like_byte_by_byte_copy()
    {
        // memset idiom: copying forward onto itself one byte ahead repeats the first byte (SDM MOVS: element by element).
        using var m = new TestMachine();
        m.Memory.WriteU8(Buffer, 0xAB);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(esi, (uint)Buffer);
            a.mov(edi, (uint)Buffer + 1);
            a.mov(ecx, 100);
            a.rep.movsb();
            a.hlt();
        });
        m.EnterLong64(TestMachine.CodeBase);

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Memory.ReadBytes(Buffer, 101).ShouldAllBe(b => b == 0xAB);
    }

    [TestCase(1, 3, 200)] // LZ4's match copy: an offset of 3, a pattern repeated
    [TestCase(1, 7, 4000)] // across a page boundary of the destination
    [TestCase(4, 6, 300)] // a gap that is not a whole number of elements
    [TestCase(8, 8, 100)]
    [TestCase(4, 2, 50)] // a gap shorter than an element
    public void Overlapping_rep_movs_ahead_matches_element_by_element_copy(int size, int gap, int count)
    {
        using var m = new TestMachine();
        var bytes = new byte[gap + size * count];
        for (var i = 0; i < gap; i++)
            bytes[i] = (byte)(0x31 * (i + 1));
        m.Memory.Write(Buffer, bytes);
        for (var e = 0; e < count; e++) // the SDM's MOVS: each element read, then written, in order
            bytes.AsSpan(e * size, size).ToArray().CopyTo(bytes, gap + e * size);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(esi, (uint)Buffer);
            a.mov(edi, (uint)Buffer + (uint)gap);
            a.mov(ecx, count);
            switch (size)
            {
                case 1: a.rep.movsb(); break;
                case 4: a.rep.movsd(); break;
                default: a.rep.movsq(); break;
            }
            a.hlt();
        });
        m.EnterLong64(TestMachine.CodeBase);

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Memory.ReadBytes(Buffer, bytes.Length).ShouldBe(bytes);
        m.Cpu[Register.RDI].ShouldBe(Buffer + (ulong)(gap + size * count));
    }

    [Test]
    public void Std_makes_string_instructions_walk_down()
    {
        using var m = new TestMachine();
        m.Memory.Write(Buffer, "abcd"u8.ToArray());
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.std();
            a.mov(esi, (uint)Buffer + 3);
            a.mov(edi, (uint)Buffer + 0x103);
            a.mov(ecx, 4);
            a.rep.movsb();
            a.cld();
            a.hlt();
        });
        m.EnterLong64(TestMachine.CodeBase);

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Memory.ReadBytes(Buffer + 0x100, 4).ShouldBe("abcd"u8.ToArray());
        m.Cpu[Register.RSI].ShouldBe(Buffer - 1);
    }

    [Test]
    public void Call_ret_enter_leave_build_and_tear_down_frames()
    {
        using var m = Run64(a =>
        {
            var function = a.CreateLabel();
            var end = a.CreateLabel();
            a.mov(rbp, 0x1234);
            a.call(function);
            a.jmp(end);
            a.Label(ref function);
            a.enter(32, 0);
            a.mov(rbx, rbp);
            a.mov(rcx, rsp);
            a.leave();
            a.ret();
            a.Label(ref end);
            a.hlt();
        }, out _);

        m.Cpu[Register.RBX].ShouldBe(TestMachine.StackTop - 16);
        m.Cpu[Register.RCX].ShouldBe(TestMachine.StackTop - 48);
        m.Cpu[Register.RBP].ShouldBe(0x1234UL);
        m.Cpu[Register.RSP].ShouldBe(TestMachine.StackTop);
    }

    [Test]
    public void Loop_and_jrcxz_count_rcx()
    {
        using var m = Run64(a =>
        {
            var top = a.CreateLabel();
            var skip = a.CreateLabel();
            a.mov(ecx, 5);
            a.Label(ref top);
            a.add(eax, 2);
            a.loop(top);
            a.jrcxz(skip);
            a.mov(eax, -1);
            a.Label(ref skip);
            a.hlt();
        }, out _);

        m.Cpu[Register.EAX].ShouldBe(10UL);
    }

    [Test]
    public void Popf_in_ring_0_sets_if_and_df_and_pushf_reads_them()
    {
        using var m = Run64(a =>
        {
            a.push(0x602);
            a.popfq();
            a.pushfq();
            a.pop(rax);
            a.hlt();
        }, out _);

        m.Cpu[Register.RAX].ShouldBe(0x602UL);
        (m.Cpu.Rflags & (FlagBits.IF | FlagBits.DF)).ShouldBe(FlagBits.IF | FlagBits.DF);
    }

    [Test]
    public void Gs_base_msr_and_swapgs_exchange_bases()
    {
        using var m = Run64(a =>
        {
            a.mov(ecx, 0xC000_0101); // GS_BASE
            a.mov(eax, 0x1000);
            a.xor(edx, edx);
            a.wrmsr();
            a.mov(ecx, 0xC000_0102); // KERNEL_GS_BASE
            a.mov(eax, 0x2000);
            a.wrmsr();
            a.swapgs();
            a.mov(__qword_ptr.gs[0x10], 0x77);
            a.hlt();
        }, out _);

        m.Memory.ReadU64(0x2010).ShouldBe(0x77UL);
        m.Cpu.KernelGsBase.ShouldBe(0x1000UL);
    }

    [Test]
    public void Lgdt_and_sgdt_round_trip_a_64_bit_base()
    {
        using var m = Run64(a =>
        {
            a.mov(rax, 0x7000);
            a.mov(__word_ptr[rax], 0x2F);
            a.mov(rbx, unchecked((long)0xFFFF_FFFF_8100_0000));
            a.mov(__qword_ptr[rax + 2], rbx);
            a.lidt(__[rax]);
            a.sidt(__[rax + 16]);
            a.hlt();
        }, out _);

        m.Cpu.Idtr.ShouldBe(new DescriptorTableRegister(0xFFFF_FFFF_8100_0000, 0x2F));
        m.Memory.ReadU64(0x7012).ShouldBe(0xFFFF_FFFF_8100_0000UL);
    }

    [Test]
    public void Sse_moves_and_pxor_and_fxsave_layout()
    {
        using var m = new TestMachine();
        m.Memory.WriteU64(Buffer, 0x1111_2222_3333_4444);
        m.Memory.WriteU64(Buffer + 8, 0x5555_6666_7777_8888);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(eax, (uint)Buffer);
            a.fninit();
            a.movdqa(xmm3, __[rax]);
            a.movdqu(xmm4, xmm3);
            a.pxor(xmm3, xmm3);
            a.movdqu(__[rax + 0x21], xmm4);
            a.movq(rbx, xmm4);
            a.fxsave(__[rax + 0x100]);
            a.hlt();
        });
        m.EnterLong64(TestMachine.CodeBase);

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Memory.ReadU64(Buffer + 0x21).ShouldBe(0x1111_2222_3333_4444UL);
        m.Memory.ReadU64(Buffer + 0x29).ShouldBe(0x5555_6666_7777_8888UL);
        m.Cpu[Register.RBX].ShouldBe(0x1111_2222_3333_4444UL);
        // FXSAVE image (SDM Vol. 1 Table 10-2): FCW at 0, MXCSR at 24, XMM3 at 160 + 3 * 16 (zeroed by PXOR), XMM4 after it.
        m.Memory.ReadU16(Buffer + 0x100).ShouldBe((ushort)0x37F);
        m.Memory.ReadU32(Buffer + 0x100 + 24).ShouldBe(0x1F80u);
        m.Memory.ReadU64(Buffer + 0x100 + 160 + 48).ShouldBe(0UL);
        m.Memory.ReadU64(Buffer + 0x100 + 160 + 64).ShouldBe(0x1111_2222_3333_4444UL);
    }

    [Test]
    public void Cmpxchg16b_swaps_when_rdx_rax_match()
    {
        using var m = new TestMachine();
        m.Memory.WriteU64(Buffer, 1);
        m.Memory.WriteU64(Buffer + 8, 2);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(esi, (uint)Buffer);
            a.mov(eax, 1);
            a.mov(edx, 2);
            a.mov(ebx, 3);
            a.mov(ecx, 4);
            a.cmpxchg16b(__[rsi]);
            a.setz(r8b);
            a.hlt();
        });
        m.EnterLong64(TestMachine.CodeBase);

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.R8].ShouldBe(1UL);
        m.Memory.ReadU64(Buffer).ShouldBe(3UL);
        m.Memory.ReadU64(Buffer + 8).ShouldBe(4UL);
    }

    [Test]
    public void Bt_with_a_register_offset_reaches_past_the_memory_operand()
    {
        // SDM BT: with a register bit offset, memory operands address bit (offset) from the operand's base.
        using var m = new TestMachine();
        m.Memory.WriteU8(Buffer + 12, 0x08);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(esi, (uint)Buffer);
            a.mov(eax, 12 * 8 + 3);
            a.bts(__dword_ptr[rsi], eax);
            a.setc(bl);
            a.mov(eax, -1);
            a.bts(__dword_ptr[rsi + 4], eax);
            a.hlt();
        });
        m.EnterLong64(TestMachine.CodeBase);

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.BL].ShouldBe(1UL);
        m.Memory.ReadU8(Buffer + 3).ShouldBe((byte)0x80, "offset -1 from Buffer+4 is bit 7 of Buffer+3");
    }

    [Test]
    public void Xgetbv_without_osxsave_is_invalid_opcode()
    {
        using var m = new TestMachine();
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.xor(ecx, ecx);
            a.xgetbv();
        });
        m.EnterLong64(TestMachine.CodeBase);
        m.Cpu.Idtr = new DescriptorTableRegister(0, 0);

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.TripleFault);
        r.Detail.ShouldNotBeNull().ShouldContain("first fault #UD");
    }
}
