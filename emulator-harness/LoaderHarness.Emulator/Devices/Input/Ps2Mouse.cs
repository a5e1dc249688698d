namespace LoaderHarness.Emulator.Devices.Input;

/// <summary>
/// The PS/2 mouse on the i8042's auxiliary port, answering commands as QEMU 7.2's hw/input/ps2.c ps2_write_mouse does
/// (IBM PS/2 Technical Reference, "Pointing Device Commands") for a mouse that never moves: reset (ACK, 0xAA, ID 0),
/// get ID (0 for a standard mouse), status request (ACK and three status bytes), the parameter commands set
/// resolution and set sample rate, and ACK for the rest it knows; unknown commands get Resend.
/// </summary>
public sealed class Ps2Mouse : Ps2Device
{
    // hw/input/ps2.c AUX_* command bytes.
    private const byte SetScale11 = 0xE6, SetScale21 = 0xE7, SetResolution = 0xE8, GetScale = 0xE9, SetStream = 0xEA, PollData = 0xEB,
        ResetWrap = 0xEC, SetWrap = 0xEE, SetRemote = 0xF0, GetDeviceId = 0xF2, SetSampleRate = 0xF3, EnableDev = 0xF4,
        DisableDev = 0xF5, SetDefault = 0xF6, Reset = 0xFF;

    private byte _status, _resolution = 2, _sampleRate = 100;

    /// <inheritdoc/>
    protected override void Command(byte command)
    {
        switch (command)
        {
            case SetScale11:
                _status &= 0xEF;
                Reply(Ack);
                break;
            case SetScale21:
                _status |= 0x10;
                Reply(Ack);
                break;
            case SetResolution or SetSampleRate:
                PendingCommand = command;
                Reply(Ack);
                break;
            case GetScale:
                // AUX_GET_SCALE: the status byte, resolution and sample rate.
                Reply(Ack, _status, _resolution, _sampleRate);
                break;
            case PollData:
                // A movement packet with no buttons and no movement (bit 3 is always set).
                Reply(Ack, 0x08, 0, 0);
                break;
            case SetStream or ResetWrap or SetWrap or SetRemote:
                Reply(Ack);
                break;
            case GetDeviceId:
                Reply(Ack, 0x00);
                break;
            case EnableDev:
                _status |= 0x20;
                Reply(Ack);
                break;
            case DisableDev:
                _status &= 0xDF;
                Reply(Ack);
                break;
            case SetDefault:
                (_status, _resolution, _sampleRate) = (0, 2, 100);
                Reply(Ack);
                break;
            case Reset:
                (_status, _resolution, _sampleRate) = (0, 2, 100);
                Reply(Ack, SelfTestPassed, 0x00);
                break;
            default:
                Reply(Resend);
                break;
        }
    }

    /// <inheritdoc/>
    protected override void Parameter(byte command, byte value)
    {
        if (command == SetResolution)
            _resolution = value;
        else
            _sampleRate = value;
        Reply(Ack);
    }
}
