using Iced.Intel;
using LoaderHarness.Emulator.Core;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>
/// REP STOS of zeros over whole pages nothing ever wrote skips the stores (the pages already read as zero, and the
/// host is spared committing them), and is otherwise the same instruction: same registers, same instruction count,
/// the same zeros wherever the guest or the loader had written before.
/// </summary>
[TestFixture]
public class ZeroStoreTests
{
    private const ulong Buffer = 0x40_0000;

    /// <summary>
    /// One whole 2 MiB page from a 2 MiB boundary: guest RAM is on transparent huge pages (HostPages.Reserve), where a
    /// store backs its whole huge page, so the stores either side of the cleared range must fall in others.
    /// </summary>
    private const int Pages = 512;

    /// <summary>Clears <see cref="Pages"/> pages plus 8 bytes either side from <see cref="Buffer"/> − 8 with REP STOSQ of RAX = 0.</summary>
    private static RunResult ClearRun(TestMachine m)
    {
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(rdi, Buffer - 8);
            a.xor(eax, eax);
            a.mov(ecx, Pages * 512 + 2);
            a.rep.stosq();
            a.hlt();
        });
        m.EnterLong64(TestMachine.CodeBase);
        return m.Run();
    }

    [Test]
    public void Zeros_over_never_written_pages_leave_them_unwritten_with_the_same_registers_and_count()
    {
        using var fresh = new TestMachine();
        using var written = new TestMachine();
        written.Memory.Fill(Buffer - 8, Pages * 4096 + 16, 0xA5);

        var a = ClearRun(fresh);
        var b = ClearRun(written);

        a.Reason.ShouldBe(StopReason.Halt);
        a.Instructions.ShouldBe(b.Instructions);
        fresh.Cpu[Register.RDI].ShouldBe(Buffer + Pages * 4096 + 8);
        fresh.Cpu[Register.RCX].ShouldBe(0UL);
        fresh.Cpu[Register.RDI].ShouldBe(written.Cpu[Register.RDI]);
        if (OperatingSystem.IsLinux())
        {
            for (var page = 0; page < Pages; page += 64)
                fresh.Memory.NeverWrittenPages(Buffer + (ulong)page * 4096, 64).ShouldBe(ulong.MaxValue);
        }
        fresh.Memory.ReadBytes(Buffer - 8, Pages * 4096 + 16).ShouldAllBe(x => x == 0);
        written.Memory.ReadBytes(Buffer - 8, Pages * 4096 + 16).ShouldAllBe(x => x == 0);
    }

    [Test]
    public void Zeros_over_pages_the_guest_wrote_clear_them()
    {
        using var m = new TestMachine();
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(rax, 0x1122_3344_5566_7788);
            a.mov(rdi, Buffer);
            a.mov(ecx, Pages * 512);
            a.rep.stosq();
            a.mov(rbx, Buffer + 7 * 4096 + 24);
            a.mov(__qword_ptr[rbx], rax);
            a.mov(rdi, Buffer);
            a.xor(eax, eax);
            a.mov(ecx, Pages * 512);
            a.rep.stosq();
            a.hlt();
        });
        m.EnterLong64(TestMachine.CodeBase);

        m.Run().Reason.ShouldBe(StopReason.Halt);

        m.Memory.ReadBytes(Buffer, Pages * 4096).ShouldAllBe(x => x == 0);
    }

    [Test]
    public void A_budget_ending_mid_way_resumes_with_the_same_result()
    {
        using var m = new TestMachine();
        m.Memory.WriteU64(Buffer + 11 * 4096 + 8, 0xFFFF);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(rdi, Buffer);
            a.xor(eax, eax);
            a.mov(ecx, Pages * 512);
            a.rep.stosq();
            a.hlt();
        });
        m.EnterLong64(TestMachine.CodeBase);

        m.Run(3 + 5 * 512 + 100).Reason.ShouldBe(StopReason.Budget);
        m.Cpu[Register.RCX].ShouldBe((ulong)(Pages * 512 - 5 * 512 - 100));
        m.Run().Reason.ShouldBe(StopReason.Halt);

        m.Cpu[Register.RDI].ShouldBe(Buffer + Pages * 4096);
        m.Memory.ReadBytes(Buffer, Pages * 4096).ShouldAllBe(x => x == 0);
    }
}
