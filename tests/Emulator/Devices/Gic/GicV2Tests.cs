using LoaderHarness.Emulator.Devices;
using LoaderHarness.Emulator.Devices.Gic;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Devices.Gic;

/// <summary>The GICv2 model against Arm IHI 0048B: identification, banking, SGIR, priority masking, the IAR/EOIR flow.</summary>
[TestFixture]
public class GicV2Tests
{
    private sealed class Sink : IInterruptSink
    {
        public bool High { get; private set; }

        public void SetLevel(int line, bool high) => High = high;
    }

    /// <summary>A GIC configured as Linux's irq-gic.c leaves it: GICD_CTLR = 1, everything group 0 at priority 0xa0, PMR 0xf0, GICC_CTLR = 1.</summary>
    private static (GicV2 Gic, Sink Irq) Configured()
    {
        var gic = new GicV2();
        var irq = new Sink();
        gic.Output.Line = new InterruptLine(irq, 0);
        gic.Distributor.Write(0x000, 4, 1); // gic_dist_init: GICD_ENABLE
        for (ulong i = 0; i < GicV2.InterruptCount; i += 4)
            gic.Distributor.Write(0x400 + i, 4, 0xA0A0_A0A0); // GICD_INT_DEF_PRI_X4
        gic.CpuInterface.Write(0x04, 4, 0xF0); // GICC_INT_PRI_THRESHOLD
        gic.CpuInterface.Write(0x00, 4, 1); // GICC_ENABLE
        return (gic, irq);
    }

    [Test]
    public void Identification_is_a_gicv2_with_288_intids_and_no_security_extensions()
    {
        var gic = new GicV2();
        (gic.Distributor.Read(0xFE8, 4) & 0xF0).ShouldBe(0x20UL, "GICD_PIDR2.ArchRev = 2 (IHI 0048B §4.3.18)");
        var typer = gic.Distributor.Read(0x004, 4);
        (typer & 0x1F).ShouldBe(8UL, "ITLinesNumber: 32 × 9 = 288 INTIDs, QEMU virt's NUM_IRQS + 32");
        (typer >> 5 & 7).ShouldBe(0UL, "CPUNumber: one CPU");
        (typer >> 10 & 1).ShouldBe(0UL, "SecurityExtn");
        gic.Distributor.Read(0x008, 4).ShouldBe(0x43BUL, "GICD_IIDR implementer Arm");
        (gic.CpuInterface.Read(0xFC, 4) >> 16 & 0xF).ShouldBe(2UL, "GICC_IIDR architecture version 2");
    }

    [Test]
    public void Itargetsr_is_raz_wi_on_a_uniprocessor_gic()
    {
        // IHI 0048B §4.3.12: in a uniprocessor implementation the GICD_ITARGETSRs are RAZ/WI.
        var gic = new GicV2();
        gic.Distributor.Read(0x800, 4).ShouldBe(0UL, "SGI targets");
        gic.Distributor.Read(0x81C, 4).ShouldBe(0UL, "PPI targets");
        gic.Distributor.Write(0x820, 4, 0x0101_0101);
        gic.Distributor.Read(0x820, 4).ShouldBe(0UL, "SPI targets ignore writes");
    }

    [Test]
    public void Sgis_stay_enabled_and_their_configuration_is_read_only()
    {
        var gic = new GicV2();
        (gic.Distributor.Read(0x100, 4) & 0xFFFF).ShouldBe(0xFFFFUL, "GICD_ISENABLER0: SGIs enabled");
        gic.Distributor.Write(0x180, 4, 0xFFFF_FFFF);
        (gic.Distributor.Read(0x100, 4) & 0xFFFF).ShouldBe(0xFFFFUL, "ICENABLER0 does not disable SGIs");
        gic.Distributor.Write(0xC00, 4, 0);
        gic.Distributor.Read(0xC00, 4).ShouldBe(0xAAAA_AAAAUL, "GICD_ICFGR0: SGIs edge-triggered, read-only");
        gic.Distributor.Write(0xC04, 4, 0);
        gic.Distributor.Read(0xC04, 4).ShouldBe(0UL, "ICFGR1 (PPIs) is programmable");
    }

    [Test]
    public void Priority_bytes_are_written_and_read_singly()
    {
        var gic = new GicV2();
        gic.Distributor.Write(0x41E, 1, 0x80); // INTID 30's priority byte
        gic.Distributor.Read(0x41E, 1).ShouldBe(0x80UL);
        gic.Distributor.Read(0x41C, 4).ShouldBe(0x0080_0000UL);
    }

    [Test]
    public void A_level_spi_goes_through_iar_and_eoir()
    {
        var (gic, irq) = Configured();
        var line = gic.LineFor(33);
        gic.Distributor.Write(0x104, 4, 1u << 1); // ISENABLER1: INTID 33
        line.Set(true);
        irq.High.ShouldBeTrue();
        gic.CpuInterface.Read(0x18, 4).ShouldBe(33UL, "GICC_HPPIR");
        gic.CpuInterface.Read(0x0C, 4).ShouldBe(33UL, "GICC_IAR acknowledges");
        gic.IsActive(33).ShouldBeTrue();
        irq.High.ShouldBeFalse("active and at the running priority: not signalled again");
        gic.CpuInterface.Read(0x14, 4).ShouldBe(0xA0UL, "GICC_RPR is the acknowledged priority");
        line.Set(false);
        gic.CpuInterface.Write(0x10, 4, 33); // GICC_EOIR, EOImode 0: drop and deactivate
        gic.IsActive(33).ShouldBeFalse();
        gic.CpuInterface.Read(0x14, 4).ShouldBe(0xFFUL, "idle running priority");
        gic.CpuInterface.Read(0x0C, 4).ShouldBe((ulong)GicV2.Spurious);
    }

    [Test]
    public void Split_eoi_mode_leaves_the_interrupt_active_until_dir()
    {
        var (gic, _) = Configured();
        gic.CpuInterface.Write(0x00, 4, 1 | (1u << 9)); // EOImodeS, what Linux writes as GIC_CPU_CTRL_EOImodeNS
        gic.Distributor.Write(0x100, 4, 1u << 30); // INTID 30, the EL1 physical timer
        gic.LineFor(30).Set(true);
        gic.CpuInterface.Read(0x0C, 4).ShouldBe(30UL);
        gic.CpuInterface.Write(0x10, 4, 30);
        gic.IsActive(30).ShouldBeTrue("EOImode 1: GICC_EOIR only drops priority");
        gic.CpuInterface.Read(0x14, 4).ShouldBe(0xFFUL);
        gic.CpuInterface.Write(0x1000, 4, 30); // GICC_DIR
        gic.IsActive(30).ShouldBeFalse();
    }

    [Test]
    public void The_priority_mask_holds_back_lower_priorities()
    {
        var (gic, irq) = Configured();
        gic.Distributor.Write(0x104, 4, 1u << 1);
        gic.CpuInterface.Write(0x04, 4, 0xA0); // PMR equal to the priority: masked (§3.3.2, strictly higher only)
        gic.LineFor(33).Set(true);
        irq.High.ShouldBeFalse();
        gic.CpuInterface.Read(0x0C, 4).ShouldBe((ulong)GicV2.Spurious, "1023: nothing above the mask");
        gic.CpuInterface.Write(0x04, 4, 0xA8);
        irq.High.ShouldBeTrue();
    }

    [Test]
    public void A_higher_priority_interrupt_preempts_an_active_one()
    {
        var (gic, irq) = Configured();
        gic.Distributor.Write(0x104, 4, 0b11u << 1); // INTIDs 33, 34
        gic.Distributor.Write(0x420, 4, 0x0080_A0A0); // INTID 34 at 0x80
        gic.LineFor(33).Set(true);
        gic.CpuInterface.Read(0x0C, 4).ShouldBe(33UL);
        gic.LineFor(34).Set(true);
        irq.High.ShouldBeTrue("0x80 beats the running 0xa0");
        gic.CpuInterface.Read(0x0C, 4).ShouldBe(34UL);
        gic.CpuInterface.Read(0x14, 4).ShouldBe(0x80UL);
        gic.CpuInterface.Write(0x10, 4, 34);
        gic.CpuInterface.Read(0x14, 4).ShouldBe(0xA0UL, "back to the interrupted priority");
    }

    [Test]
    public void Sgir_to_this_cpu_pends_an_edge_sgi_that_iar_consumes()
    {
        var (gic, irq) = Configured();
        gic.Distributor.Write(0xF00, 4, (1u << 16) | 5); // TargetListFilter 0, CPUTargetList = CPU 0, SGI 5
        gic.IsPending(5).ShouldBeTrue();
        irq.High.ShouldBeTrue();
        gic.Distributor.Read(0xF24, 4).ShouldBe(0x0000_0100UL, "GICD_SPENDSGIR1: SGI 5 pending from CPU 0");
        gic.CpuInterface.Read(0x0C, 4).ShouldBe(5UL, "source CPU 0 in [12:10]");
        gic.CpuInterface.Write(0x10, 4, 5);
        gic.CpuInterface.Read(0x0C, 4).ShouldBe((ulong)GicV2.Spurious, "SGIs are edge: acknowledging consumed it");
        gic.Distributor.Write(0xF00, 4, (1u << 24) | 5); // filter 1: every other CPU, there is none
        gic.IsPending(5).ShouldBeFalse();
        gic.Distributor.Write(0xF00, 4, (2u << 24) | 6); // filter 2: this CPU
        gic.IsPending(6).ShouldBeTrue();
        gic.Distributor.Write(0xF14, 4, 0x0001_0000); // GICD_CPENDSGIR1: SGI 6 from CPU 0
        gic.IsPending(6).ShouldBeFalse();
    }

    [Test]
    public void Group_one_needs_ackctl_or_the_aliased_iar()
    {
        var (gic, _) = Configured();
        gic.Distributor.Write(0x000, 4, 3);
        gic.CpuInterface.Write(0x00, 4, 3);
        gic.Distributor.Write(0x084, 4, 1u << 1); // GICD_IGROUPR1: INTID 33 in group 1
        gic.Distributor.Write(0x104, 4, 1u << 1);
        gic.LineFor(33).Set(true);
        gic.CpuInterface.Read(0x0C, 4).ShouldBe((ulong)GicV2.GroupOnePending, "1022 (IHI 0048B §3.2.5)");
        gic.CpuInterface.Read(0x20, 4).ShouldBe(33UL, "GICC_AIAR acknowledges group 1");
        gic.CpuInterface.Write(0x24, 4, 33); // GICC_AEOIR
        gic.IsActive(33).ShouldBeFalse();
    }

    [Test]
    public void Nothing_is_signalled_while_the_distributor_or_cpu_interface_is_disabled()
    {
        var (gic, irq) = Configured();
        gic.Distributor.Write(0x104, 4, 1u << 1);
        gic.LineFor(33).Set(true);
        irq.High.ShouldBeTrue();
        gic.Distributor.Write(0x000, 4, 0);
        irq.High.ShouldBeFalse();
        gic.Distributor.Write(0x000, 4, 1);
        gic.CpuInterface.Write(0x00, 4, 0);
        irq.High.ShouldBeFalse();
        gic.CpuInterface.Read(0x0C, 4).ShouldBe((ulong)GicV2.Spurious);
    }

    [Test]
    public void The_v2m_frame_names_qemus_msi_spis_and_raises_them()
    {
        var (gic, irq) = Configured();
        // QEMU virt: base SPI 48 (INTID 80), 64 SPIs; Linux prints "GICv2m: ... SPI[80:143]".
        gic.MsiFrame.Read(0x008, 4).ShouldBe((80UL << 16) | 64);
        gic.Distributor.Write(0xC14, 4, 0x2); // ICFGR5: INTID 80 edge
        gic.Distributor.Write(0x108, 4, 1u << 16); // ISENABLER2: INTID 80
        gic.MsiFrame.Write(0x040, 4, 80);
        gic.IsPending(80).ShouldBeTrue();
        irq.High.ShouldBeTrue();
    }
}
