namespace LoaderHarness.Emulator.Vcpu.Bios;

/// <summary>
/// INT 1Ah read from the guest's virtual time (one TSC tick per instruction), so a real-mode loop that waits on
/// the clock (arch/x86/boot/tty.c getchar_timeout, via gettime's AH=02h) sees time pass. Register contracts:
/// Ralf Brown's Interrupt List INT 1Ah AH=00h (CX:DX ticks since midnight, AL midnight flag), AH=02h (CH hours,
/// CL minutes, DH seconds in BCD, DL daylight-saving flag, CF clear), AH=04h (CH century, CL year, DH month,
/// DL day in BCD); SeaBIOS src/clock.c handle_1a00/02/04. The tick rate is the PIT's 1193182 Hz / 65536.
/// </summary>
internal sealed class ClockServices(Func<DateTime> now)
{
    /// <summary>Answers the call in <paramref name="f"/>; false when this BIOS does not implement it.</summary>
    public bool Answer(BiosFrame f)
    {
        var t = now();
        switch (f.Ah)
        {
            case 0x00:
                var ticks = (uint)(t.TimeOfDay.TotalSeconds * 1_193_182 / 65_536);
                f.Cx = (ushort)(ticks >> 16);
                f.Dx = (ushort)ticks;
                f.Al = 0;
                return true;
            case 0x02:
                f.Cx = (ushort)(Bcd(t.Hour) << 8 | Bcd(t.Minute));
                f.Dx = (ushort)(Bcd(t.Second) << 8);
                f.SetCarry(false);
                return true;
            case 0x04:
                f.Cx = (ushort)(Bcd(t.Year / 100) << 8 | Bcd(t.Year % 100));
                f.Dx = (ushort)(Bcd(t.Month) << 8 | Bcd(t.Day));
                f.SetCarry(false);
                return true;
            default:
                return false;
        }
    }

    private static byte Bcd(int value) => (byte)((value / 10) << 4 | value % 10);
}
