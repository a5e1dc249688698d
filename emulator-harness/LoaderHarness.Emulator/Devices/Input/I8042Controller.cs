using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Devices.Input;

/// <summary>
/// The PC keyboard controller (Intel 8042) at ports 0x60 (data) and 0x64 (status / command) with a PS/2 keyboard and
/// mouse behind it, as QEMU 7.2's hw/input/pckbd.c models it for the pc machine, in the state SeaBIOS 1.16 leaves it
/// (src/hw/ps2port.c keyboard_init): self-test passed, the command byte ("CTR") 0x61 — keyboard interrupt, translation,
/// auxiliary port disabled — and the keyboard scanning. The commands Linux's drivers/input/serio/i8042.c probe uses
/// are there: read/write CTR (0x20/0x60), self-test (0xAA → 0x55), the interface tests (0xAB, 0xA9 → 0), AUX
/// enable/disable (0xA8/0xA7), keyboard enable/disable (0xAE/0xAD), AUX loop (0xD3, the byte comes back as AUX data),
/// write to the mouse (0xD4), the output and input ports (0xD0/0xD1, 0xC0) and the reset pulse (0xFE).
/// </summary>
/// <remarks>
/// Status (pckbd.c KBD_STAT_*): OBF bit 0, SYS bit 2 (set by the self-test; SeaBIOS ran it), CMD bit 3 and "not
/// locked" bit 4, which QEMU holds set, and AUX OBF bit 5; a live QEMU guest's status reads 0x1C idle, 0x1D with
/// keyboard data and 0x3D with mouse data (pckbd trace events). The output buffer takes a controller reply first, then
/// keyboard bytes while the keyboard interface is enabled, then mouse bytes while the auxiliary one is; IRQ 1 follows
/// keyboard data with CTR bit 0, IRQ 12 mouse data with CTR bit 1 (kbd_update_irq_lines).
/// </remarks>
public sealed class I8042Controller : BytePortDevice
{
    /// <summary>The data port.</summary>
    public const ushort DataPort = 0x60;
    /// <summary>The status (read) and command (write) port.</summary>
    public const ushort CommandPort = 0x64;
    /// <summary>The ISA IRQs of the keyboard and the mouse (the DSDT's KBD and MOU devices).</summary>
    public const int KeyboardIrq = 1, MouseIrq = 12;

    // pckbd.c KBD_STAT_*.
    private const byte StatusObf = 0x01, StatusSystem = 0x04, StatusCommand = 0x08, StatusUnlocked = 0x10, StatusAuxObf = 0x20;
    // pckbd.c KBD_MODE_*: the command byte's bits.
    private const byte ModeKeyboardInt = 0x01, ModeMouseInt = 0x02, ModeDisableKeyboard = 0x10, ModeDisableMouse = 0x20, ModeTranslate = 0x40;
    /// <summary>SeaBIOS src/hw/ps2port.c keyboard_init: I8042_CTR_AUXDIS | I8042_CTR_XLATE | I8042_CTR_KBDINT, which Linux reads back.</summary>
    public const byte FirmwareCommandByte = ModeDisableMouse | ModeTranslate | ModeKeyboardInt;
    // pckbd.c KBD_OUT_RESET | KBD_OUT_A20 | KBD_OUT_ONES (0xCC); KBD_OUT_OBF 0x10, KBD_OUT_MOUSE_OBF 0x20.
    private const byte OutportDefault = 0x01 | 0x02 | 0xCC;

    private enum Source : byte { None, ControllerKeyboard, ControllerAux, Keyboard, Mouse }

    private byte _mode = FirmwareCommandByte, _status = StatusSystem | StatusCommand | StatusUnlocked, _outport = OutportDefault;
    private byte _lastData;
    private byte? _writeCommand;
    private (byte Value, bool Aux)? _controllerReply;
    private Source _source;

    /// <summary>The keyboard on the first port, translating as the command byte says.</summary>
    public Ps2Keyboard Keyboard { get; } = new() { Translate = true };

    /// <summary>The mouse on the auxiliary port.</summary>
    public Ps2Mouse Mouse { get; } = new();

    /// <summary>IRQ 1.</summary>
    public InterruptPin KeyboardInterrupt { get; } = new();

    /// <summary>IRQ 12.</summary>
    public InterruptPin MouseInterrupt { get; } = new();

    /// <summary>Called with <see cref="StopReason.Reset"/> when the host pulses the reset line (0xFE, or output port bit 0 cleared).</summary>
    public Action<StopReason, string>? Stop { get; set; }

    /// <summary>The command byte (CTR).</summary>
    public byte CommandByte => _mode;

    /// <summary>Claims 0x60 and 0x64 on <paramref name="bus"/>.</summary>
    public void Attach(IoBus bus)
    {
        bus.Register(DataPort, 1, this);
        bus.Register(CommandPort, 1, this);
    }

    /// <inheritdoc/>
    public override byte ReadByte(ushort port)
    {
        if (port == CommandPort)
            return _status;
        // pckbd.c kbd_read_data: take the byte from where the output buffer's source has it, then let the next one in.
        if ((_status & StatusObf) != 0)
        {
            _lastData = _source switch
            {
                Source.ControllerKeyboard or Source.ControllerAux => _controllerReply!.Value.Value,
                Source.Keyboard => Keyboard.Read(),
                Source.Mouse => Mouse.Read(),
                _ => _lastData,
            };
            if (_source is Source.ControllerKeyboard or Source.ControllerAux)
                _controllerReply = null;
            _status &= unchecked((byte)~(StatusObf | StatusAuxObf));
            _source = Source.None;
            KeyboardInterrupt.Set(false);
            MouseInterrupt.Set(false);
            Refill();
        }
        return _lastData;
    }

    /// <inheritdoc/>
    public override void WriteByte(ushort port, byte value)
    {
        if (port == CommandPort)
            Command(value);
        else
            Data(value);
        Refill();
        UpdateLines();
    }

    /// <summary>pckbd.c kbd_write_command.</summary>
    private void Command(byte command)
    {
        switch (command)
        {
            case 0x20:
                Reply(_mode, false);
                break;
            case 0x60 or 0xD1 or 0xD2 or 0xD3 or 0xD4:
                _writeCommand = command;
                break;
            case 0xA7:
                _mode |= ModeDisableMouse;
                break;
            case 0xA8:
                _mode &= unchecked((byte)~ModeDisableMouse);
                break;
            case 0xA9 or 0xAB:
                // Interface tests: 0, no clock or data line stuck.
                Reply(0x00, false);
                break;
            case 0xAA:
                _status |= StatusSystem;
                Reply(0x55, false);
                break;
            case 0xAD:
                _mode |= ModeDisableKeyboard;
                break;
            case 0xAE:
                _mode &= unchecked((byte)~ModeDisableKeyboard);
                break;
            case 0xC0:
                Reply(0x80, false);
                break;
            case 0xD0:
                Reply(Outport(), false);
                break;
            case 0xDD or 0xDF:
                // A20 gate off / on: the harness's memory has no A20 mask; the output port remembers it.
                _outport = (byte)(command == 0xDF ? _outport | 0x02 : _outport & ~0x02);
                break;
            case >= 0xF0:
                // Pulse output port lines: bit 0 low pulses the CPU reset line.
                if ((command & 1) == 0)
                    Stop?.Invoke(StopReason.Reset, $"i8042 reset pulse (0x{command:x2} to port 0x64)");
                break;
        }
    }

    /// <summary>pckbd.c kbd_write_data: the parameter of the pending command, or a byte for the keyboard.</summary>
    private void Data(byte value)
    {
        var command = _writeCommand;
        _writeCommand = null;
        switch (command)
        {
            case null:
                Keyboard.Write(value);
                // "sending data to the keyboard reenables PS/2 communication".
                _mode &= unchecked((byte)~ModeDisableKeyboard);
                break;
            case 0x60:
                _mode = value;
                Keyboard.Translate = (value & ModeTranslate) != 0;
                break;
            case 0xD1:
                _outport = value;
                if ((value & 1) == 0)
                    Stop?.Invoke(StopReason.Reset, $"i8042 output port reset line (0x{value:x2})");
                break;
            case 0xD2:
                Reply(value, false);
                break;
            case 0xD3:
                Reply(value, true);
                break;
            case 0xD4:
                Mouse.Write(value);
                _mode &= unchecked((byte)~ModeDisableMouse);
                break;
        }
    }

    /// <summary>pckbd.c kbd_queue: the controller's own reply, ahead of the devices' bytes.</summary>
    private void Reply(byte value, bool aux)
    {
        // With a device byte in the output buffer the reply waits until the host reads it (kbd_safe_update_irq).
        _controllerReply = (value, aux);
    }

    /// <summary>pckbd.c kbd_update_irq: with the output buffer empty, load the next pending byte's source.</summary>
    private void Refill()
    {
        if ((_status & StatusObf) != 0)
            return;
        _source = _controllerReply is { } reply ? (reply.Aux ? Source.ControllerAux : Source.ControllerKeyboard)
            : Keyboard.HasData && (_mode & ModeDisableKeyboard) == 0 ? Source.Keyboard
            : Mouse.HasData && (_mode & ModeDisableMouse) == 0 ? Source.Mouse
            : Source.None;
        if (_source == Source.None)
            return;
        _status |= StatusObf;
        if (_source is Source.ControllerAux or Source.Mouse)
            _status |= StatusAuxObf;
        UpdateLines();
    }

    /// <summary>pckbd.c kbd_update_irq_lines: IRQ 1 for keyboard data with CTR bit 0, IRQ 12 for mouse data with CTR bit 1.</summary>
    private void UpdateLines()
    {
        var full = (_status & StatusObf) != 0;
        var aux = (_status & StatusAuxObf) != 0;
        KeyboardInterrupt.Set(full && !aux && (_mode & ModeKeyboardInt) != 0);
        MouseInterrupt.Set(full && aux && (_mode & ModeMouseInt) != 0);
    }

    /// <summary>The output port with its OBF bits (pckbd.c KBD_OUT_OBF 0x10, KBD_OUT_MOUSE_OBF 0x20).</summary>
    private byte Outport()
    {
        var obf = (_status & StatusObf) != 0 ? ((_status & StatusAuxObf) != 0 ? 0x30 : 0x10) : 0;
        return (byte)((_outport & 0xCF) | obf);
    }
}
