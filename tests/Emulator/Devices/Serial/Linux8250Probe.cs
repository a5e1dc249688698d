using LoaderHarness.Emulator.Devices.Serial;

namespace LoaderHarness.Tests.Emulator.Devices.Serial;

/// <summary>
/// The register traffic of Linux's 8250 probe, step for step (drivers/tty/serial/8250/8250_port.c:
/// autoconfig, autoconfig_16550a, size_fifo), so tests can run it against our UART.
/// </summary>
internal static class Linux8250Probe
{
    private const ushort B = Uart16550.Com1Port;

    private static byte In(Uart16550 u, int reg) => u.ReadByte((ushort)(B + reg));

    private static void Out(Uart16550 u, int reg, int value) => u.WriteByte((ushort)(B + reg), (byte)value);

    /// <summary>Runs autoconfig without UPF_SKIP_TEST and returns the uart_config name it picks.</summary>
    public static string Autoconfig(Uart16550 u)
    {
        // IER existence test.
        var scratch = In(u, 1);
        Out(u, 1, 0);
        var scratch2 = In(u, 1) & 0x0F;
        Out(u, 1, 0x0F);
        var scratch3 = In(u, 1) & 0x0F;
        Out(u, 1, scratch);
        if (scratch2 != 0 || scratch3 != 0x0F)
            return "none (IER test)";

        var saveMcr = In(u, 4);
        var saveLcr = In(u, 3);
        Out(u, 4, 0x10 | 0x0A);
        var status1 = In(u, 6) & 0xF0;
        Out(u, 4, saveMcr);
        if (status1 != 0x90)
            return "none (LOOP test)";

        Out(u, 3, 0xBF);
        Out(u, 2, 0); // EFR
        Out(u, 3, 0);
        Out(u, 2, 0x01);
        var kind = In(u, 2) >> 6;
        var type = kind switch
        {
            0 => "8250/16450",
            1 => "unknown",
            2 => "16550",
            _ => Autoconfig16550A(u),
        };
        Out(u, 3, saveLcr);
        // Reset the UART as autoconfig does (serial8250_clear_fifos, read RX, IER=0).
        Out(u, 4, saveMcr);
        Out(u, 2, 0x01);
        Out(u, 2, 0x07);
        Out(u, 2, 0);
        In(u, 0);
        Out(u, 1, 0);
        return type;
    }

    private static string Autoconfig16550A(Uart16550 u)
    {
        // EFR with DLAB set (ST16C650V1 only).
        Out(u, 3, 0x80);
        if (In(u, 2) == 0)
            return "16650 (EFRv1)";
        // EFR with LCR=0xBF.
        Out(u, 3, 0xBF);
        if (In(u, 2) == 0)
            return "EFRv2";
        // National Semiconductor SuperIO: EXCR1 in bank 2 mirrors MCR's LOOP bit.
        Out(u, 3, 0);
        var s1 = In(u, 4);
        Out(u, 3, 0xE0);
        var s2 = In(u, 2);
        if (((s2 ^ s1) & 0x10) == 0)
        {
            Out(u, 3, 0);
            Out(u, 4, s1 ^ 0x10);
            Out(u, 3, 0xE0);
            s2 = In(u, 2);
            Out(u, 3, 0);
            Out(u, 4, s1);
            if (((s2 ^ s1) & 0x10) != 0)
                return "NS16550A";
        }
        // TI16750: IIR bit 5 with the 64-byte FIFO bit written with and without DLAB.
        Out(u, 3, 0);
        Out(u, 2, 0x01 | 0x20);
        var st1 = In(u, 2) >> 5;
        Out(u, 2, 0x01);
        Out(u, 3, 0x80);
        Out(u, 2, 0x01 | 0x20);
        var st2 = In(u, 2) >> 5;
        Out(u, 2, 0x01);
        Out(u, 3, 0);
        if (st1 == 6 && st2 == 7)
            return "TI16750";
        // XScale UUE bit.
        var iersave = In(u, 1);
        Out(u, 1, iersave & ~0x40);
        if ((In(u, 1) & 0x40) == 0)
        {
            Out(u, 1, iersave | 0x40);
            if ((In(u, 1) & 0x40) != 0)
                return "XScale";
        }
        Out(u, 1, iersave);
        return SizeFifo(u) == 64 ? "U6_16550A" : "16550A";
    }

    /// <summary>size_fifo: loop 256 bytes back at divisor 1 and count what the receiver kept.</summary>
    public static int SizeFifo(Uart16550 u)
    {
        var oldLcr = In(u, 3);
        Out(u, 3, 0);
        var oldFcr = In(u, 2);
        var oldMcr = In(u, 4);
        Out(u, 2, 0x01 | 0x02 | 0x04);
        Out(u, 4, 0x10);
        Out(u, 3, 0x80);
        var oldDl = In(u, 0) | In(u, 1) << 8;
        Out(u, 0, 1);
        Out(u, 1, 0);
        Out(u, 3, 0x03);
        for (var i = 0; i < 256; i++)
            Out(u, 0, i);
        var count = 0;
        for (; (In(u, 5) & 0x01) != 0 && count < 256; count++)
            In(u, 0);
        Out(u, 2, oldFcr);
        Out(u, 4, oldMcr);
        Out(u, 3, 0x80);
        Out(u, 0, oldDl & 0xFF);
        Out(u, 1, oldDl >> 8);
        Out(u, 3, oldLcr);
        return count;
    }
}
