namespace LoaderHarness.Emulator.Devices.Rtc;

/// <summary>
/// How an MC146818A presents time fields, per register B's DM bit (binary or BCD) and 24/12 bit
/// (MC146818A datasheet, "Time, Calendar and Alarm Data Modes", table 3).
/// </summary>
internal static class RtcEncoding
{
    /// <summary>Register B bit 2: binary data mode.</summary>
    public const byte BinaryMode = 0x04;

    /// <summary>Register B bit 1: 24-hour mode.</summary>
    public const byte TwentyFourHour = 0x02;

    /// <summary>A 0–99 value in the data mode <paramref name="registerB"/> selects.</summary>
    public static byte Encode(int value, byte registerB) =>
        (registerB & BinaryMode) != 0 ? (byte)value : (byte)(value / 10 << 4 | value % 10);

    /// <summary>The value of a field written in the data mode <paramref name="registerB"/> selects.</summary>
    public static int Decode(byte raw, byte registerB) =>
        (registerB & BinaryMode) != 0 ? raw : (raw >> 4) * 10 + (raw & 0x0F);

    /// <summary>Hours 0–23 as the hours register shows them; in 12-hour mode 1–12 with bit 7 for PM.</summary>
    public static byte EncodeHours(int hours, byte registerB)
    {
        if ((registerB & TwentyFourHour) != 0)
            return Encode(hours, registerB);
        var twelve = hours % 12 == 0 ? 12 : hours % 12;
        return (byte)(Encode(twelve, registerB) | (hours >= 12 ? 0x80 : 0));
    }

    /// <summary>The hours register's value as 0–23.</summary>
    public static int DecodeHours(byte raw, byte registerB)
    {
        if ((registerB & TwentyFourHour) != 0)
            return Decode(raw, registerB);
        var twelve = Decode((byte)(raw & 0x7F), registerB) % 12;
        return (raw & 0x80) != 0 ? twelve + 12 : twelve;
    }
}
