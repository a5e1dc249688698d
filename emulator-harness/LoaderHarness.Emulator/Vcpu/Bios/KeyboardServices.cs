namespace LoaderHarness.Emulator.Vcpu.Bios;

/// <summary>
/// INT 16h with no key ever pressed: the status and shift-flag queries and the typematic set that Linux's
/// arch/x86/boot/main.c keyboard_init and tty.c kbd_pending make. Reading a key (AH=00h/10h) would wait for
/// ever, so this BIOS does not answer it: the run stops instead of hanging. Register contracts: Ralf Brown's
/// Interrupt List INT 16h AH=01h/11h (ZF set if no keystroke), AH=02h (AL = shift flags, 40:17), AH=12h
/// (AX = extended flags), AH=03h (set typematic rate); SeaBIOS src/kbd.c handle_1601, handle_1602, handle_1612.
/// </summary>
internal static class KeyboardServices
{
    /// <summary>Answers the call in <paramref name="f"/>; false when this BIOS does not implement it.</summary>
    public static bool Answer(BiosFrame f)
    {
        var memory = f.Cpu.Memory;
        switch (f.Ah)
        {
            case 0x01 or 0x11: // keystroke available? No: ZF set
                f.SetZero(true);
                return true;
            case 0x02:
                f.Al = memory.ReadU8(BiosDataArea.KeyboardFlags);
                return true;
            case 0x12:
                f.Al = memory.ReadU8(BiosDataArea.KeyboardFlags);
                f.Ah = memory.ReadU8(BiosDataArea.KeyboardFlags1);
                return true;
            case 0x03: // set typematic rate and delay: no keyboard to program, nothing returned
                return true;
            default:
                return false;
        }
    }
}
