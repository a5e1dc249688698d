using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Devices;
using LoaderHarness.Tests.Emulator.Devices;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64;

/// <summary>
/// The PL011's UARTINTR through a controller to the IRQ input, taken as an IRQ exception (Arm ARM DDI 0487 D1.10).
/// The programs end with PSCI CPU_OFF (a halt) rather than WFI: a pending IRQ wakes WFI even when PSTATE.I
/// masks it (D1.16.2), and the latching controller keeps the request pending until acknowledged.
/// </summary>
[TestFixture]
public class InterruptTests
{
    private const string Program = """
            adr x0, vectors
            msr vbar_el1, x0
            msr daifclr, #{0}
            ldr x1, =0x09000000
            mov w2, #0x20
            str w2, [x1, #0x38]
            mov w2, #65
            str w2, [x1]
        after:
            mov x6, #1
            adr x8, after
            b end
            .balign 2048
        vectors:
            .skip 0x280
            mov x5, #1
            mrs x7, elr_el1
            mrs x9, daif
            wfi
        end:
            ldr w0, =0x84000002
            hvc #0
        """;

    private static Arm64TestMachine Machine(out LatchingController controller)
    {
        var m = new Arm64TestMachine();
        controller = new LatchingController(0) { Output = new InterruptLine(m.Cpu.InterruptInput, 0) };
        m.Cpu.InterruptController = controller;
        m.Cpu.Uart.Interrupt = new InterruptLine(controller, 33);
        return m;
    }

    [Test]
    public void Uart_interrupt_is_taken_at_the_vector_for_the_current_el_with_spx()
    {
        // Offset 0x200 (current EL, SP_ELx) + 0x80 (IRQ); ELR is the first instruction not executed.
        using var m = Machine(out var controller);

        var result = m.Run(string.Format(System.Globalization.CultureInfo.InvariantCulture, Program, 2));

        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        controller.Acknowledged.ShouldBe(1);
        m.Cpu.ConsoleText.ShouldBe("A");
        m.Cpu[5].ShouldBe(1UL);
        m.Cpu[6].ShouldBe(0UL);
        m.Cpu[7].ShouldBe(Arm64TestMachine.CodeBase + 8 * 4);
        (m.Cpu[9] & 0x3C0).ShouldBe(0x3C0UL, "IRQ entry masks D, A, I and F");
    }

    [Test]
    public void Masked_irq_is_not_taken()
    {
        using var m = Machine(out var controller);

        var result = m.Run(string.Format(System.Globalization.CultureInfo.InvariantCulture, Program, 0));

        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        controller.Acknowledged.ShouldBe(0);
        m.Cpu[6].ShouldBe(1UL);
        m.Cpu[5].ShouldBe(0UL);
    }
}
