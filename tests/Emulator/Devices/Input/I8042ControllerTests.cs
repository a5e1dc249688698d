using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Devices.Input;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Devices.Input;

/// <summary>
/// The i8042 and its PS/2 devices against the exchanges a live QEMU 7.2 -M pc guest traced (QEMU's pckbd_* and ps2_*
/// trace events while Debian's 6.1 kernel probed it): status 0x1C idle, 0x1D with keyboard data, 0x3D with mouse data;
/// the command byte SeaBIOS leaves (0x61); and the sequences drivers/input/serio/i8042.c and
/// drivers/input/keyboard/atkbd.c run.
/// </summary>
[TestFixture]
public class I8042ControllerTests
{
    private I8042Controller _kbc = null!;

    [SetUp]
    public void SetUp() => _kbc = new I8042Controller();

    private byte Status => _kbc.ReadByte(I8042Controller.CommandPort);

    private void Command(byte command) => _kbc.WriteByte(I8042Controller.CommandPort, command);

    private void Data(byte value) => _kbc.WriteByte(I8042Controller.DataPort, value);

    private byte ReadData() => _kbc.ReadByte(I8042Controller.DataPort);

    [Test]
    public void It_starts_as_seabios_leaves_it_self_tested_unlocked_with_command_byte_0x61()
    {
        Status.ShouldBe((byte)0x1C);
        Command(0x20);
        Status.ShouldBe((byte)0x1D);
        ReadData().ShouldBe((byte)0x61);
        Status.ShouldBe((byte)0x1C);
        // An empty output buffer reads the last byte again.
        ReadData().ShouldBe((byte)0x61);
    }

    [Test]
    public void The_self_test_answers_0x55_and_the_interface_tests_0()
    {
        Command(0xAA);
        ReadData().ShouldBe((byte)0x55);
        Command(0xAB);
        ReadData().ShouldBe((byte)0x00);
        Command(0xA9);
        ReadData().ShouldBe((byte)0x00);
    }

    [Test]
    public void The_command_byte_takes_writes_and_aux_enable_and_disable_toggle_its_bit_5()
    {
        Command(0x60);
        Data(0x70);
        Command(0x20);
        ReadData().ShouldBe((byte)0x70);
        // i8042_toggle_aux: 0xA7 sets AUXDIS, 0xA8 clears it (the trace: 0x70, then 0x50).
        Command(0xA8);
        Command(0x20);
        ReadData().ShouldBe((byte)0x50);
        Command(0xA7);
        Command(0x20);
        ReadData().ShouldBe((byte)0x70);
        Command(0xAE);
        Command(0x20);
        ReadData().ShouldBe((byte)0x60);
        Command(0xAD);
        Command(0x20);
        ReadData().ShouldBe((byte)0x70);
    }

    [Test]
    public void The_aux_loop_returns_the_byte_as_mouse_data_on_irq_12_when_its_interrupt_is_enabled()
    {
        // i8042_check_aux: loop 0x5A with the AUX interrupt off: status 0x3D, no IRQ.
        Command(0xD3);
        Data(0x5A);
        Status.ShouldBe((byte)0x3D);
        _kbc.MouseInterrupt.Level.ShouldBeFalse();
        ReadData().ShouldBe((byte)0x5A);
        // The IRQ test: AUX enabled with its interrupt (CTR 0x52), loop 0xA5 raises IRQ 12 until it is read.
        Command(0x60);
        Data(0x52);
        Command(0xD3);
        Data(0xA5);
        _kbc.MouseInterrupt.Level.ShouldBeTrue();
        _kbc.KeyboardInterrupt.Level.ShouldBeFalse();
        ReadData().ShouldBe((byte)0xA5);
        _kbc.MouseInterrupt.Level.ShouldBeFalse();
        Status.ShouldBe((byte)0x1C);
    }

    [Test]
    public void Atkbds_probe_gets_the_translated_mf2_id_and_every_command_is_acked_on_irq_1()
    {
        // i8042_enable_kbd_port: CTR 0x43 (translate, both interrupts).
        Command(0x60);
        Data(0x43);
        Data(0xF2);
        _kbc.KeyboardInterrupt.Level.ShouldBeTrue();
        Status.ShouldBe((byte)0x1D);
        ReadData().ShouldBe((byte)0xFA);
        ReadData().ShouldBe((byte)0xAB);
        ReadData().ShouldBe((byte)0x41);
        _kbc.KeyboardInterrupt.Level.ShouldBeFalse();
        // Deactivate, LEDs off, typematic rate, enable: ACK for each command and parameter.
        foreach (var b in (byte[])[0xF5, 0xED, 0x00, 0xF3, 0x00, 0xF4])
        {
            Data(b);
            ReadData().ShouldBe((byte)0xFA);
        }
        _kbc.Keyboard.ScanEnabled.ShouldBeTrue();
        // Untranslated, the ID's second byte is 0x83.
        Command(0x60);
        Data(0x03);
        Data(0xF2);
        ReadData().ShouldBe((byte)0xFA);
        ReadData().ShouldBe((byte)0xAB);
        ReadData().ShouldBe((byte)0x83);
    }

    [Test]
    public void The_keyboard_resets_with_its_self_test_reply_and_unknown_commands_get_resend()
    {
        Data(0xFF);
        ReadData().ShouldBe((byte)0xFA);
        ReadData().ShouldBe((byte)0xAA);
        Data(0x77);
        ReadData().ShouldBe((byte)0xFE);
        // Scan-code set: get reports set 2 as 0x41 when translated.
        Data(0xF0);
        ReadData().ShouldBe((byte)0xFA);
        Data(0x00);
        ReadData().ShouldBe((byte)0xFA);
        ReadData().ShouldBe((byte)0x41);
    }

    [Test]
    public void Writes_to_the_mouse_go_through_0xd4_and_its_replies_come_back_as_aux_data()
    {
        // The trace: D4 F2 → FA 00 with status 0x3D (psmouse's or the PNP probe's get-ID).
        Command(0xD4);
        Data(0xF2);
        Status.ShouldBe((byte)0x3D);
        ReadData().ShouldBe((byte)0xFA);
        ReadData().ShouldBe((byte)0x00);
        Status.ShouldBe((byte)0x1C);
        Command(0xD4);
        Data(0xFF);
        ReadData().ShouldBe((byte)0xFA);
        ReadData().ShouldBe((byte)0xAA);
        ReadData().ShouldBe((byte)0x00);
    }

    [Test]
    public void The_reset_pulse_stops_the_run_as_a_reset()
    {
        (StopReason, string)? stop = null;
        _kbc.Stop = (reason, detail) => stop = (reason, detail);
        Command(0xFE);
        stop.ShouldNotBeNull().Item1.ShouldBe(StopReason.Reset);
    }
}
