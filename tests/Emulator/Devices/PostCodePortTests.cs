using LoaderHarness.Emulator.Devices;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Devices;

/// <summary>Port 0x80: POST codes recorded, reads all ones as under QEMU (hw/i386/pc.c ioport80_read).</summary>
[TestFixture]
public class PostCodePortTests
{
    [Test]
    public void Writes_are_recorded_in_order()
    {
        var port = new PostCodePort();
        port.LastCode.ShouldBeNull();
        port.WriteByte(0x80, 0x12);
        port.WriteByte(0x80, 0x34);
        port.LastCode.ShouldBe((byte)0x34);
        port.Recent.ShouldBe(new byte[] { 0x12, 0x34 });
        port.WriteCount.ShouldBe(2);
    }

    [Test]
    public void History_keeps_only_the_most_recent_writes()
    {
        // native_io_delay writes 0x80 after every outb_p: the record must not grow without bound.
        var port = new PostCodePort();
        for (var i = 0; i < 1000; i++)
            port.WriteByte(0x80, (byte)i);
        port.WriteCount.ShouldBe(1000);
        port.Recent.Length.ShouldBe(PostCodePort.HistoryCapacity);
        port.Recent[0].ShouldBe(unchecked((byte)(1000 - PostCodePort.HistoryCapacity)));
        port.LastCode.ShouldBe(unchecked((byte)999));
    }

    [Test]
    public void Reads_float_high_whatever_was_written()
    {
        var port = new PostCodePort();
        port.WriteByte(0x80, 0x55);
        port.Read(0x80, 1).ShouldBe(0xFFu);
    }
}
