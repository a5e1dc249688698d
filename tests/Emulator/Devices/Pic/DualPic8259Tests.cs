using LoaderHarness.Emulator.Devices;
using LoaderHarness.Emulator.Devices.Pic;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Devices.Pic;

/// <summary>
/// The cascaded 8259A pair per Intel's 8259A datasheet (ICW1–ICW4, OCW1–OCW3, priority resolver, INTA
/// sequence) and Linux's use of it (arch/x86/kernel/i8259.c: init_8259A, probe_8259A,
/// mask_and_ack_8259A, i8259A_irq_real).
/// </summary>
[TestFixture]
public class DualPic8259Tests
{
    /// <summary>init_8259A(auto_eoi): ICW1 0x11, ICW2 0x30/0x38, ICW3 0x04/0x02, ICW4 0x01 (or 0x03).</summary>
    private static DualPic8259 LinuxInitialised(bool autoEoi = false)
    {
        var pic = new DualPic8259();
        pic.WriteByte(0x21, 0xFF);
        pic.WriteByte(0xA1, 0xFF);
        pic.WriteByte(0x20, 0x11);
        pic.WriteByte(0x21, 0x30);
        pic.WriteByte(0x21, 1 << 2);
        pic.WriteByte(0x21, (byte)(autoEoi ? 0x03 : 0x01));
        pic.WriteByte(0xA0, 0x11);
        pic.WriteByte(0xA1, 0x38);
        pic.WriteByte(0xA1, 2);
        pic.WriteByte(0xA1, 0x01);
        pic.WriteByte(0x21, 0x00);
        pic.WriteByte(0xA1, 0x00);
        return pic;
    }

    [Test]
    public void Linux_init_sequence_programs_vectors_and_cascade()
    {
        var pic = LinuxInitialised();
        pic.Master.VectorBase.ShouldBe((byte)0x30);
        pic.Slave.VectorBase.ShouldBe((byte)0x38);
        pic.Master.Icw3.ShouldBe((byte)0x04);
        pic.Slave.Icw3.ShouldBe((byte)0x02);
        pic.Master.Initialising.ShouldBeFalse();
        pic.Slave.Initialising.ShouldBeFalse();
    }

    [Test]
    public void Probe_reads_back_the_mask_register()
    {
        // probe_8259A: write 0xA5 to the master IMR and expect it back, else there is no PIC.
        var pic = new DualPic8259();
        pic.WriteByte(0xA1, 0xFF);
        pic.WriteByte(0x21, 0xA5);
        pic.ReadByte(0x21).ShouldBe((byte)0xA5);
        pic.ReadByte(0xA1).ShouldBe((byte)0xFF);
    }

    [Test]
    public void Icw1_clears_the_mask_and_restarts_the_sequence()
    {
        // ICW1: "the Interrupt Mask Register is cleared".
        var pic = LinuxInitialised();
        pic.WriteByte(0x21, 0xF0);
        pic.WriteByte(0x20, 0x11);
        pic.ReadByte(0x21).ShouldBe((byte)0x00);
        pic.Master.Initialising.ShouldBeTrue();
    }

    [Test]
    public void Edge_request_is_latched_acknowledged_and_ended_by_specific_eoi()
    {
        var pic = LinuxInitialised();
        pic.SetIrq(0, true);
        pic.InterruptRequested.ShouldBeTrue();
        pic.ReadByte(0x20).ShouldBe((byte)0x01); // OCW3 default: IRR
        pic.Acknowledge().ShouldBe(0x30);
        pic.InterruptRequested.ShouldBeFalse();
        pic.WriteByte(0x20, 0x0B); // OCW3 read ISR (i8259A_irq_real)
        pic.ReadByte(0x20).ShouldBe((byte)0x01);
        pic.WriteByte(0x20, 0x0A);
        pic.ReadByte(0x20).ShouldBe((byte)0x00); // edge IRR cleared by INTA although the line is high
        pic.WriteByte(0x20, 0x60); // mask_and_ack_8259A: specific EOI for IR0
        pic.Master.Isr.ShouldBe((byte)0);
        pic.SetIrq(0, true);
        pic.InterruptRequested.ShouldBeFalse(); // no new edge
        pic.SetIrq(0, false);
        pic.SetIrq(0, true);
        pic.InterruptRequested.ShouldBeTrue();
    }

    [Test]
    public void Slave_irq_arrives_through_the_cascade_and_needs_two_eois()
    {
        var pic = LinuxInitialised();
        pic.SetIrq(12, true);
        pic.InterruptRequested.ShouldBeTrue();
        pic.Acknowledge().ShouldBe(0x38 + 4);
        pic.Slave.Isr.ShouldBe((byte)0x10);
        pic.Master.Isr.ShouldBe((byte)0x04);
        // mask_and_ack_8259A for irq & 8: specific EOI on the slave, then for IR2 on the master.
        pic.WriteByte(0xA0, 0x60 + 4);
        pic.WriteByte(0x20, 0x60 + 2);
        pic.Slave.Isr.ShouldBe((byte)0);
        pic.Master.Isr.ShouldBe((byte)0);
    }

    [Test]
    public void Higher_priority_interrupts_nest_and_lower_ones_wait()
    {
        var pic = LinuxInitialised();
        pic.SetIrq(3, true);
        pic.Acknowledge().ShouldBe(0x33);
        pic.SetIrq(5, true);
        pic.InterruptRequested.ShouldBeFalse(); // IR5 ranks below IR3 in service
        pic.SetIrq(1, true);
        pic.InterruptRequested.ShouldBeTrue();
        pic.Acknowledge().ShouldBe(0x31);
        pic.WriteByte(0x20, 0x20); // non-specific EOI ends IR1, the highest in service
        pic.Master.Isr.ShouldBe((byte)0x08);
        pic.WriteByte(0x20, 0x20);
        pic.Acknowledge().ShouldBe(0x35);
    }

    [Test]
    public void Masked_requests_are_held_in_irr()
    {
        var pic = LinuxInitialised();
        pic.WriteByte(0x21, 0x10);
        pic.SetIrq(4, true);
        pic.InterruptRequested.ShouldBeFalse();
        pic.Master.Irr.ShouldBe((byte)0x10);
        pic.WriteByte(0x21, 0x00);
        pic.InterruptRequested.ShouldBeTrue();
    }

    [Test]
    public void Automatic_eoi_leaves_isr_clear()
    {
        var pic = LinuxInitialised(autoEoi: true);
        pic.SetIrq(1, true);
        pic.Acknowledge().ShouldBe(0x31);
        pic.Master.Isr.ShouldBe((byte)0);
        pic.Master.AutoEoi.ShouldBeTrue();
    }

    [Test]
    public void Request_gone_before_inta_gives_spurious_irq7()
    {
        // Datasheet: with no request at INTA the 8259A issues IR7's vector and sets no ISR bit.
        var pic = LinuxInitialised();
        pic.WriteByte(0x4D0, 0x08); // IRQ3 level-triggered
        pic.SetIrq(3, true);
        pic.InterruptRequested.ShouldBeTrue();
        pic.SetIrq(3, false);
        pic.Acknowledge().ShouldBe(0x37);
        pic.Master.Isr.ShouldBe((byte)0);
    }

    [Test]
    public void Edge_request_survives_the_falling_half_of_a_pulse()
    {
        // An edge line pulses (rises and falls at once); the latched request must still be delivered,
        // as with QEMU's hw/intc/i8259.c. Only level-sensed requests can vanish into a spurious IRQ 7.
        var pic = LinuxInitialised();
        new InterruptLine(pic, 4, InterruptTrigger.Edge).Raise();
        pic.Master.Irr.ShouldBe((byte)0x10);
        pic.Acknowledge().ShouldBe(0x34);
    }

    [Test]
    public void Slave_request_gone_before_inta_gives_spurious_irq15()
    {
        var pic = LinuxInitialised();
        pic.WriteByte(0x4D1, 0x08); // IRQ11 level-triggered
        pic.SetIrq(11, true);
        pic.Master.HighestPendingLine().ShouldBe(2);
        pic.Slave.SetInput(3, false); // the slave loses the request but the master already latched IR2
        pic.Acknowledge().ShouldBe(0x3F);
        pic.Slave.Isr.ShouldBe((byte)0);
        pic.Master.Isr.ShouldBe((byte)0x04); // the master did acknowledge the cascade
    }

    [Test]
    public void Level_triggered_line_stays_requested_while_high()
    {
        var pic = LinuxInitialised();
        pic.WriteByte(0x4D1, 0x02); // IRQ9 level (ACPI SCI)
        pic.SetIrq(9, true);
        pic.Acknowledge().ShouldBe(0x39);
        pic.Slave.Irr.ShouldBe((byte)0x02);
        pic.WriteByte(0xA0, 0x61);
        pic.WriteByte(0x20, 0x62);
        pic.InterruptRequested.ShouldBeTrue(); // still high: requested again after EOI
        pic.SetIrq(9, false);
        pic.InterruptRequested.ShouldBeFalse();
    }

    private static IEnumerable<TestCaseData> ElcrMasks()
    {
        // PIIX4 ELCR1 bits 0-2 and ELCR2 bits 0 and 5 are reserved as 0 (edge-only lines).
        yield return new TestCaseData((ushort)0x4D0, 0xFF, 0xF8);
        yield return new TestCaseData((ushort)0x4D1, 0xFF, 0xDE);
    }

    [TestCaseSource(nameof(ElcrMasks))]
    public void Elcr_keeps_only_its_programmable_bits(ushort port, int written, int expected)
    {
        var pic = new DualPic8259();
        pic.WriteByte(port, (byte)written);
        pic.ReadByte(port).ShouldBe((byte)expected);
    }

    [Test]
    public void Rotate_on_non_specific_eoi_makes_the_served_line_lowest()
    {
        var pic = LinuxInitialised();
        pic.SetIrq(4, true);
        pic.Acknowledge().ShouldBe(0x34);
        pic.WriteByte(0x20, 0xA0); // OCW2 R=1 SL=0 EOI=1
        pic.SetIrq(3, true);
        pic.SetIrq(5, true);
        pic.Acknowledge().ShouldBe(0x35); // IR5 now highest, IR4 lowest
    }

    [Test]
    public void Set_priority_command_picks_the_lowest_line()
    {
        var pic = LinuxInitialised();
        pic.WriteByte(0x20, 0xC0 | 6); // OCW2 set priority: IR6 lowest, IR7 highest
        pic.SetIrq(0, true);
        pic.SetIrq(7, true);
        pic.Acknowledge().ShouldBe(0x37);
    }

    [Test]
    public void Special_mask_mode_lets_lower_priorities_through_a_masked_in_service_line()
    {
        var pic = LinuxInitialised();
        pic.SetIrq(1, true);
        pic.Acknowledge();
        pic.WriteByte(0x21, 0x02); // mask IR1 (in service)
        pic.WriteByte(0x20, 0x68); // OCW3 ESMM=1 SMM=1
        pic.SetIrq(6, true);
        pic.Acknowledge().ShouldBe(0x36);
    }

    [Test]
    public void Poll_command_returns_the_request_and_acknowledges_it()
    {
        var pic = LinuxInitialised();
        pic.SetIrq(5, true);
        pic.WriteByte(0x20, 0x0C); // OCW3 P=1
        pic.ReadByte(0x20).ShouldBe((byte)0x85);
        pic.Master.Isr.ShouldBe((byte)0x20);
        pic.WriteByte(0x20, 0x0C);
        pic.ReadByte(0x20).ShouldBe((byte)0x00);
    }

    [Test]
    public void Second_slave_request_reaches_the_master_after_the_first_is_acknowledged()
    {
        var pic = LinuxInitialised();
        pic.WriteByte(0xA0, 0x11);
        pic.WriteByte(0xA1, 0x38);
        pic.WriteByte(0xA1, 2);
        pic.WriteByte(0xA1, 0x03); // slave in automatic EOI
        pic.SetIrq(8, true);
        pic.SetIrq(12, true);
        pic.Acknowledge().ShouldBe(0x38);
        pic.WriteByte(0x20, 0x62);
        pic.InterruptRequested.ShouldBeTrue();
        pic.Acknowledge().ShouldBe(0x3C);
    }

    [Test]
    public void Single_mode_master_delivers_ir2_itself()
    {
        // ICW1 SNGL=1: no ICW3, IR2 is an ordinary input.
        var pic = new DualPic8259();
        pic.WriteByte(0x20, 0x13);
        pic.WriteByte(0x21, 0x08);
        pic.WriteByte(0x21, 0x01);
        pic.Master.Initialising.ShouldBeFalse();
        pic.SetIrq(2, true);
        pic.Acknowledge().ShouldBe(0x0A);
    }

    [Test]
    public void A_device_pin_drives_its_irq()
    {
        var pic = LinuxInitialised();
        var pin = new InterruptPin { Line = pic.LineFor(4) };
        pin.Set(true);
        pic.Acknowledge().ShouldBe(0x34);
    }

    [Test]
    public void Int_output_drives_the_line_to_the_cpu()
    {
        var pic = LinuxInitialised();
        var cpu = new RecordingSink();
        pic.Output.Line = new InterruptLine(cpu, 0);
        pic.SetLevel(1, true);
        cpu.Changes.ShouldBe([(0, true)]);
        pic.Acknowledge().ShouldBe(0x31);
        cpu.Changes.ShouldBe([(0, true), (0, false)]);
    }
}
