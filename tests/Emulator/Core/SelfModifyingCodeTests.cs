using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Tests.Emulator.Arm64;
using LoaderHarness.Tests.Emulator.X86;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.Core;

/// <summary>
/// The shared code cache seen through both engines: code run once, overwritten by the guest (a store that
/// hits the page's decoded bytes), then run again must run the new bytes; a store next to the code must not
/// change what runs.
/// </summary>
[TestFixture]
public class SelfModifyingCodeTests
{
    [Test]
    public void X86_store_over_decoded_code_takes_effect_and_a_store_beside_it_changes_nothing()
    {
        using var m = new TestMachine();
        // patch: mov eax, imm32 (B8 imm32) at CodeBase + 0x100; the loop runs it, rewrites its immediate, runs it again.
        const ulong Patch = TestMachine.CodeBase + 0x100;
        m.Load(64, TestMachine.CodeBase, a =>
        {
            var again = a.CreateLabel();
            var done = a.CreateLabel();
            a.mov(ecx, 0);
            a.Label(ref again);
            a.call(Patch);
            a.mov(__dword_ptr[Patch + 0x80], 5); // beside the code, same page
            a.inc(ecx);
            a.cmp(ecx, 2);
            a.je(done);
            a.mov(__dword_ptr[Patch + 1], 2);    // the immediate of the decoded mov
            a.jmp(again);
            a.Label(ref done);
            a.hlt();
        });
        m.Load(64, Patch, a =>
        {
            a.mov(eax, 1);
            a.ret();
        });
        m.EnterLong64(TestMachine.CodeBase);

        m.Run().Reason.ShouldBe(StopReason.Halt);

        m.Cpu[Register.EAX].ShouldBe(2UL);
    }

    [Test]
    public void Arm64_store_over_decoded_code_takes_effect_and_a_store_beside_it_changes_nothing()
    {
        using var m = new Arm64TestMachine();
        // The MMU is off: VA = PA. The store goes through the same page the code is fetched from.
        var result = m.Run("""
            mov x3, #0
            again: bl patch
            adr x1, patch
            str x3, [x1, #64]
            add x3, x3, #1
            cmp x3, #2
            b.eq done
            ldr w2, =0xd2800040
            str w2, [x1]
            b again
            patch: mov x0, #1
            ret
            done:
            """);
        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        m.Cpu[0].ShouldBe(2UL);
    }
}
