using LoaderHarness.Emulator.Devices;
using LoaderHarness.Emulator.Devices.Apic;
using LoaderHarness.Emulator.Devices.Pic;
using LoaderHarness.Emulator.Devices.Time;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Devices.Apic;

/// <summary>
/// The I/O APIC per the 82093AA datasheet (§3.1 IOREGSEL/IOWIN, §3.2 IOAPICID, IOAPICVER, IOAPICARB, the
/// redirection table) with KVM's arch/x86/kvm/ioapic.c behaviour (24 pins, version 0x11, masked edges kept).
/// </summary>
[TestFixture]
public sealed class IoApicTests
{
    private LocalApic _apic = null!;
    private IoApic _io = null!;

    [SetUp]
    public void SetUp()
    {
        _apic = new LocalApic(new ManualClock(), () => 0, 100_000_000, 100_000_000);
        _apic.Write(0xF0, 4, 0x1FF);
        _io = new IoApic { Target = _apic };
        _apic.IoApic = _io;
    }

    private uint ReadRegister(uint index)
    {
        _io.Write(0, 4, index);
        return (uint)_io.Read(0x10, 4);
    }

    private void WriteRegister(uint index, uint value)
    {
        _io.Write(0, 4, index);
        _io.Write(0x10, 4, value);
    }

    [Test]
    public void Identifies_itself_as_kvms_version_0x11_with_24_entries()
    {
        ReadRegister(1).ShouldBe(0x0017_0011u);
        WriteRegister(0, 0x0200_0000);
        ReadRegister(0).ShouldBe(0x0200_0000u);
        ReadRegister(2).ShouldBe(0x0200_0000u);
        ReadRegister(0x10).ShouldBe(0x1_0000u); // masked after reset
        ReadRegister(0x10 + 2 * 24).ShouldBe(0xFFFF_FFFFu); // past the table
    }

    [Test]
    public void An_edge_entry_delivers_its_vector_on_each_rising_edge()
    {
        WriteRegister(0x14, 0x31); // pin 2: vector 0x31, fixed, physical, edge, active high, unmasked
        WriteRegister(0x15, 0);
        _io.SetLevel(2, true);
        _apic.Acknowledge().ShouldBe(0x31);
        _apic.Write(0xB0, 4, 0);
        _io.SetLevel(2, true); // no new edge
        _apic.IsRequested(0x31).ShouldBeFalse();
        _io.SetLevel(2, false);
        _io.SetLevel(2, true);
        _apic.IsRequested(0x31).ShouldBeTrue();
    }

    [Test]
    public void A_masked_edge_is_kept_and_delivered_on_unmask_as_kvm_does()
    {
        WriteRegister(0x10, 0x1_0030);
        _io.SetLevel(0, true);
        _apic.IsRequested(0x30).ShouldBeFalse();
        WriteRegister(0x10, 0x30);
        _apic.IsRequested(0x30).ShouldBeTrue();
    }

    [Test]
    public void A_level_entry_holds_remote_irr_until_the_eoi_and_redelivers_while_asserted()
    {
        _io.SetLevel(4, true); // high = deasserted for active low
        WriteRegister(0x10 + 2 * 4, 0xA041); // pin 4: vector 0x41, level, active low
        _apic.IsRequested(0x41).ShouldBeFalse();
        _io.SetLevel(4, false);
        _apic.Acknowledge().ShouldBe(0x41);
        (ReadRegister(0x18) & 0x4000).ShouldBe(0x4000u); // remote IRR
        WriteRegister(0x18, 0xA041); // the guest cannot clear it
        (ReadRegister(0x18) & 0x4000).ShouldBe(0x4000u);
        _apic.Write(0xB0, 4, 0); // EOI: TMR set, broadcast; the line is still asserted
        _apic.IsRequested(0x41).ShouldBeTrue();
        (ReadRegister(0x18) & 0x4000).ShouldBe(0x4000u);
    }

    [Test]
    public void Messages_to_another_apic_are_not_taken()
    {
        WriteRegister(0x12, 0x35);
        WriteRegister(0x13, 0x0300_0000); // physical destination 3
        _io.SetLevel(1, true);
        _apic.IsRequested(0x35).ShouldBeFalse();
    }

    [Test]
    public void Isa_lines_reach_the_8259_and_the_pin_the_profile_routes_them_to()
    {
        var pic = new DualPic8259();
        var router = new IsaInterruptRouter(pic) { IoApic = _io, IoApicPins = [2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] };
        WriteRegister(0x14, 0x30);
        new InterruptLine(router, 0).Raise();
        _apic.IsRequested(0x30).ShouldBeTrue();
        pic.Master.Irr.ShouldBe((byte)1);
    }
}
