using LoaderHarness.Emulator.Devices.Time;

namespace LoaderHarness.Emulator.Devices.Timer;

/// <summary>
/// Port 0x61, the PC/AT "system control port B" (the PIIX4 datasheet's NMI Status and Control
/// Register, NMISC): bit 0 gates PIT counter 2, bit 1 enables the speaker, bits 2–3 mask the parity
/// and I/O-channel-check NMIs; read-only bit 4 toggles with each DRAM refresh request, bit 5 is
/// counter 2's OUT, bits 6–7 are the (never set) channel-check and SERR# status. Linux's PIT
/// calibration sets bit 0, clears bit 1 and polls bit 5 (arch/x86/kernel/tsc.c pit_calibrate_tsc).
/// </summary>
public sealed class SystemControlPortB : BytePortDevice
{
    /// <summary>The port.</summary>
    public const ushort Port = 0x61;

    /// <summary>The refresh request period, 15.085 µs (18 ticks of the 1.19318 MHz timer clock).</summary>
    private const long RefreshPeriodNanoseconds = 15_085;

    private readonly Pit8254 _pit;
    private readonly IVirtualClock _clock;
    private byte _control;

    /// <summary>The port wired to <paramref name="pit"/>'s counter 2, with refresh toggling on <paramref name="clock"/>.</summary>
    public SystemControlPortB(Pit8254 pit, IVirtualClock clock)
    {
        _pit = pit;
        _clock = clock;
        _pit.SetChannel2Gate(false);
    }

    /// <inheritdoc/>
    public override byte ReadByte(ushort port)
    {
        var refresh = (_clock.Nanoseconds / RefreshPeriodNanoseconds & 1) != 0;
        return (byte)(_control | (refresh ? 0x10 : 0) | (_pit.Channel2Out ? 0x20 : 0));
    }

    /// <inheritdoc/>
    public override void WriteByte(ushort port, byte value)
    {
        // Only bits 3:0 are writable.
        _control = (byte)(value & 0x0F);
        _pit.SetChannel2Gate((value & 0x01) != 0);
    }
}
