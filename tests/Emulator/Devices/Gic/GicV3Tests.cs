using LoaderHarness.Emulator.Devices;
using LoaderHarness.Emulator.Devices.Gic;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Devices.Gic;

/// <summary>The GICv3 model against Arm IHI 0069: identification Linux checks, the interrupt lifecycle, priority masking.</summary>
[TestFixture]
public class GicV3Tests
{
    private sealed class Sink : IInterruptSink
    {
        public bool High { get; private set; }

        public void SetLevel(int line, bool high) => High = high;
    }

    /// <summary>A GIC configured as Linux leaves it: groups enabled, every interrupt group 1 at priority 0xa0, PMR 0xf0.</summary>
    private static (GicV3 Gic, Sink Irq) Configured()
    {
        var gic = new GicV3();
        var irq = new Sink();
        gic.Output.Line = new InterruptLine(irq, 0);
        gic.Distributor.Write(0x0, 4, 0x13);
        for (ulong word = 0; word < 4; word++)
            (word == 0 ? (IMmioDevice)gic.Redistributor : gic.Distributor).Write((word == 0 ? 0x1_0000UL : 0) + 0x80 + word * 4, 4, 0xFFFF_FFFF);
        for (ulong i = 0; i < GicV3.InterruptCount; i += 4)
            (i < 32 ? (IMmioDevice)gic.Redistributor : gic.Distributor).Write((i < 32 ? 0x1_0000UL : 0) + 0x400 + i, 4, 0xA0A0_A0A0);
        gic.WriteCpuInterface(GicCpuRegister.Pmr, 0xF0);
        gic.WriteCpuInterface(GicCpuRegister.Igrpen1, 1);
        return (gic, irq);
    }

    [Test]
    public void Identification_is_a_gicv3_with_128_intids_and_one_last_redistributor()
    {
        var gic = new GicV3();
        (gic.Distributor.Read(0xFFE8, 4) & 0xF0).ShouldBe(0x30UL, "GICD_PIDR2.ArchRev = GICv3");
        (gic.Redistributor.Read(0xFFE8, 4) & 0xF0).ShouldBe(0x30UL);
        (gic.Distributor.Read(0x4, 4) & 0x1F).ShouldBe(3UL, "ITLinesNumber: 32 × 4 INTIDs");
        (gic.Redistributor.Read(0x8, 8) & 0x10).ShouldBe(0x10UL, "GICR_TYPER.Last");
        (gic.Distributor.Read(0x0, 4) & 0x40).ShouldBe(0x40UL, "GICD_CTLR.DS: one security state");
        gic.ReadCpuInterface(GicCpuRegister.Sre).ShouldBe(7UL);
    }

    [Test]
    public void Waker_children_asleep_follows_processor_sleep()
    {
        var gic = new GicV3();
        gic.Redistributor.Read(0x14, 4).ShouldBe(6UL);
        gic.Redistributor.Write(0x14, 4, 0);
        gic.Redistributor.Read(0x14, 4).ShouldBe(0UL);
    }

    [Test]
    public void A_level_spi_is_signalled_acknowledged_and_not_signalled_again_until_eoi()
    {
        var (gic, irq) = Configured();
        var line = gic.LineFor(33);
        gic.Distributor.Write(0x104, 4, 1u << 1); // ISENABLER1: INTID 33

        line.Raise();
        irq.High.ShouldBeTrue();
        gic.ReadCpuInterface(GicCpuRegister.Hppir1).ShouldBe(33UL);
        gic.ReadCpuInterface(GicCpuRegister.Iar1).ShouldBe(33UL);
        irq.High.ShouldBeFalse("active: the still-high line is not signalled again");
        gic.ReadCpuInterface(GicCpuRegister.Rpr).ShouldBe(0xA0UL);
        gic.WriteCpuInterface(GicCpuRegister.Eoir1, 33);
        irq.High.ShouldBeTrue("level line still high: pending again after EOI");
        line.Lower();
        irq.High.ShouldBeFalse();
        gic.ReadCpuInterface(GicCpuRegister.Iar1).ShouldBe((ulong)GicV3.Spurious);
    }

    [Test]
    public void Priority_mask_and_disabled_interrupts_are_not_signalled()
    {
        var (gic, irq) = Configured();
        gic.LineFor(27).Raise();
        irq.High.ShouldBeFalse("not enabled");
        gic.Redistributor.Write(0x1_0100, 4, 1u << 27);
        irq.High.ShouldBeTrue();
        gic.WriteCpuInterface(GicCpuRegister.Pmr, 0xA0);
        irq.High.ShouldBeFalse("priority 0xa0 is not higher than PMR 0xa0");
        gic.ReadCpuInterface(GicCpuRegister.Iar1).ShouldBe((ulong)GicV3.Spurious);
    }

    [Test]
    public void Split_eoi_mode_needs_dir_to_deactivate()
    {
        var (gic, irq) = Configured();
        gic.WriteCpuInterface(GicCpuRegister.Ctlr, 2); // EOImode = 1
        gic.Redistributor.Write(0x1_0100, 4, 1u << 27);
        gic.LineFor(27).Raise();
        gic.ReadCpuInterface(GicCpuRegister.Iar1).ShouldBe(27UL);
        gic.WriteCpuInterface(GicCpuRegister.Eoir1, 27);
        gic.IsActive(27).ShouldBeTrue("EOIR only dropped the priority");
        gic.ReadCpuInterface(GicCpuRegister.Rpr).ShouldBe(0xFFUL);
        gic.WriteCpuInterface(GicCpuRegister.Dir, 27);
        gic.IsActive(27).ShouldBeFalse();
        irq.High.ShouldBeTrue("the line is still high");
    }

    [Test]
    public void Sgi1r_to_this_cpu_makes_the_sgi_pending_once()
    {
        var (gic, _) = Configured();
        gic.Redistributor.Write(0x1_0100, 4, 1u << 1);
        gic.WriteCpuInterface(GicCpuRegister.Sgi1r, (1UL << 24) | 1);
        gic.ReadCpuInterface(GicCpuRegister.Iar1).ShouldBe(1UL);
        gic.WriteCpuInterface(GicCpuRegister.Eoir1, 1);
        gic.ReadCpuInterface(GicCpuRegister.Iar1).ShouldBe((ulong)GicV3.Spurious, "SGIs are edge: acknowledging consumed it");
        gic.WriteCpuInterface(GicCpuRegister.Sgi1r, (1UL << 24) | (1UL << 40));
        gic.IsPending(1).ShouldBeFalse("IRM: every other PE, and there is none");
    }
}
