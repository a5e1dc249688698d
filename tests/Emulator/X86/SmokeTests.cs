using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86;

[TestFixture]
public class SmokeTests
{
    [Test]
    public void Long_mode_loop_sums_and_halts()
    {
        using var m = new TestMachine();
        m.Load(64, TestMachine.CodeBase, a =>
        {
            var top = a.CreateLabel();
            a.xor(eax, eax);
            a.mov(ecx, 10);
            a.Label(ref top);
            a.add(rax, rcx);
            a.dec(ecx);
            a.jnz(top);
            a.hlt();
        });
        m.EnterLong64(TestMachine.CodeBase);
        var r = m.Run();
        r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        m.Cpu[Register.RAX].ShouldBe(55UL);
        r.Instructions.ShouldBe(2UL + 3 * 10 + 1);
    }
}
