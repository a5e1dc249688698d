namespace LoaderHarness.Emulator.Devices.Input;

/// <summary>
/// The MF2 keyboard on the i8042's first port, answering commands as QEMU 7.2's hw/input/ps2.c ps2_write_keyboard does
/// (IBM PS/2 Technical Reference, "Keyboard Commands"): get ID (0xAB then 0x41 translated or 0x83), echo, enable and
/// the two resets with their default scanning state, scan-code set get/set, LEDs, typematic rate, reset with its
/// self-test reply; anything else is answered with Resend.
/// </summary>
public sealed class Ps2Keyboard : Ps2Device
{
    // hw/input/ps2.c command bytes.
    private const byte SetLeds = 0xED, Echo = 0xEE, ScanCodeSet = 0xF0, GetId = 0xF2, SetRate = 0xF3, Enable = 0xF4,
        ResetDisable = 0xF5, ResetEnable = 0xF6, SetAllTypematic = 0xFA, SetMakeBreak = 0xFB, Reset = 0xFF;

    /// <summary>ps2.c KBD_REPLY_ID: the first ID byte of an MF2 keyboard.</summary>
    public const byte IdFirst = 0xAB;

    /// <summary>ps2.c translate_table: what "get scan-code set" reports for sets 1–3 when the controller translates.</summary>
    private static readonly byte[] TranslatedSet = [0xFF, 0x43, 0x41, 0x3F];

    /// <summary>Whether the controller translates (its CTR bit 6, ps2_keyboard_set_translation).</summary>
    public bool Translate { get; set; }

    /// <summary>Whether the keyboard scans (ps2.c <c>scan_enabled</c>); the firmware left it enabled.</summary>
    public bool ScanEnabled { get; private set; } = true;

    /// <summary>The scan-code set, 1–3 (ps2.c <c>scancode_set</c>; 2 after reset).</summary>
    public byte ScanCodeSetNumber { get; private set; } = 2;

    /// <summary>The LED state the host set (scroll, num, caps lock in bits 0–2).</summary>
    public byte Leds { get; private set; }

    /// <inheritdoc/>
    protected override void Command(byte command)
    {
        switch (command)
        {
            case 0x00:
                Reply(Ack);
                break;
            case 0x05:
                Reply(Resend);
                break;
            case GetId:
                Reply(Ack, IdFirst, Translate ? (byte)0x41 : (byte)0x83);
                break;
            case Echo:
                Reply(Echo);
                break;
            case Enable:
                ScanEnabled = true;
                Reply(Ack);
                break;
            case ScanCodeSet or SetLeds or SetRate or SetMakeBreak:
                PendingCommand = command;
                Reply(Ack);
                break;
            case ResetDisable or ResetEnable:
                ResetState();
                ScanEnabled = command == ResetEnable;
                Reply(Ack);
                break;
            case Reset:
                ResetState();
                Reply(Ack, SelfTestPassed);
                break;
            case SetAllTypematic:
                Reply(Ack);
                break;
            default:
                Reply(Resend);
                break;
        }
    }

    /// <inheritdoc/>
    protected override void Parameter(byte command, byte value)
    {
        switch (command)
        {
            case ScanCodeSet when value == 0:
                Reply(Ack, Translate ? TranslatedSet[ScanCodeSetNumber] : ScanCodeSetNumber);
                break;
            case ScanCodeSet when value is >= 1 and <= 3:
                ScanCodeSetNumber = value;
                Reply(Ack);
                break;
            case ScanCodeSet:
                Reply(Resend);
                break;
            case SetLeds:
                Leds = value;
                Reply(Ack);
                break;
            default:
                Reply(Ack);
                break;
        }
    }

    /// <summary>ps2.c ps2_reset_keyboard: scanning on, set 2, LEDs off.</summary>
    private void ResetState()
    {
        ScanEnabled = true;
        ScanCodeSetNumber = 2;
        Leds = 0;
    }
}
