using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Emulator.Vcpu.Bios;

/// <summary>
/// The BIOS data area at 0x400 and the EBDA, with the values SeaBIOS leaves there after POST and its VGA
/// BIOS's mode 3 (SeaBIOS src/std/bda.h struct bios_data_area_s for the offsets; src/post.c bda_init,
/// src/serial.c, vgasrc/vgabios.c vga_set_mode for the values; offsets also in Ralf Brown's Interrupt List,
/// MEMORY.LST "40:xx").
/// </summary>
internal static class BiosDataArea
{
    /// <summary>Segment 0x40: the BDA's base.</summary>
    public const ulong Base = 0x400;
    /// <summary>port_com[0] (40:00): COM1's I/O base.</summary>
    public const ulong Com1 = 0x400;
    /// <summary>ebda_seg (40:0E): the EBDA's segment.</summary>
    public const ulong EbdaSegment = 0x40E;
    /// <summary>equipment_list_flags (40:10).</summary>
    public const ulong Equipment = 0x410;
    /// <summary>mem_size_kb (40:13): conventional memory below the EBDA, in KiB (what INT 12h returns).</summary>
    public const ulong MemorySizeKb = 0x413;
    /// <summary>kbd_flag0 (40:17): shift flags (what INT 16h AH=02h returns).</summary>
    public const ulong KeyboardFlags = 0x417;
    /// <summary>kbd_flag1 (40:18).</summary>
    public const ulong KeyboardFlags1 = 0x418;
    /// <summary>floppy_last_status (40:41): INT 13h's last status for a floppy drive.</summary>
    public const ulong FloppyLastStatus = 0x441;
    /// <summary>video_mode (40:49).</summary>
    public const ulong VideoMode = 0x449;
    /// <summary>video_cols (40:4A): text columns.</summary>
    public const ulong VideoColumns = 0x44A;
    /// <summary>video_pagesize (40:4C).</summary>
    public const ulong VideoPageSize = 0x44C;
    /// <summary>video_pagestart (40:4E).</summary>
    public const ulong VideoPageStart = 0x44E;
    /// <summary>cursor_pos[8] (40:50): row in the high byte, column in the low, per page.</summary>
    public const ulong CursorPosition = 0x450;
    /// <summary>cursor_type (40:60): start scan line high, end low.</summary>
    public const ulong CursorType = 0x460;
    /// <summary>video_page (40:62): the active page.</summary>
    public const ulong VideoPage = 0x462;
    /// <summary>crtc_address (40:63).</summary>
    public const ulong CrtcAddress = 0x463;
    /// <summary>timer_counter (40:6C): ticks since midnight.</summary>
    public const ulong TimerCounter = 0x46C;
    /// <summary>disk_last_status (40:74): INT 13h's last status for a hard disk.</summary>
    public const ulong DiskLastStatus = 0x474;
    /// <summary>video_rows (40:84): text rows minus one.</summary>
    public const ulong VideoRows = 0x484;
    /// <summary>char_height (40:85): font height in scan lines.</summary>
    public const ulong CharHeight = 0x485;
    /// <summary>video_ctl (40:87).</summary>
    public const ulong VideoControl = 0x487;
    /// <summary>video_switches (40:88).</summary>
    public const ulong VideoSwitches = 0x488;
    /// <summary>modeset_ctl (40:89).</summary>
    public const ulong ModesetControl = 0x489;

    /// <summary>Text mode 3 (80×25, 16 colours) is what SeaBIOS's VGA BIOS leaves set at boot.</summary>
    public const byte TextMode = 3;
    /// <summary>80 columns.</summary>
    public const int Columns = 80;
    /// <summary>25 rows.</summary>
    public const int Rows = 25;

    /// <summary>
    /// Writes the BDA for a machine whose conventional RAM ends at <paramref name="conventionalEnd"/>, with the
    /// EBDA from there to 0xA0000 (SeaBIOS src/post.c bda_init: mem_size_kb = EBDA start / 1024, ebda_seg,
    /// the EBDA's first byte its size in KiB).
    /// </summary>
    public static void Write(GuestMemory memory, ulong conventionalEnd)
    {
        memory.Fill(Base, 0x100, 0);
        memory.WriteU16(Com1, 0x3F8); // src/serial.c detect_serial: COM1 found at 0x3F8
        // Equipment (RBIL INT 11h): bit 1 x87 present, bits 5-4 = 10b initial video 80×25 colour, bits 11-9 one serial port.
        memory.WriteU16(Equipment, 0x0222);
        memory.WriteU16(MemorySizeKb, (ushort)(conventionalEnd / 1024));
        const ulong isaHole = 0xA_0000;
        if (conventionalEnd < isaHole)
        {
            memory.WriteU16(EbdaSegment, (ushort)(conventionalEnd >> 4));
            memory.Fill(conventionalEnd, isaHole - conventionalEnd, 0);
            memory.WriteU8(conventionalEnd, (byte)((isaHole - conventionalEnd) / 1024));
        }

        // vgasrc/vgabios.c vga_set_mode for mode 3 with a VGA adapter.
        memory.WriteU8(VideoMode, TextMode);
        memory.WriteU16(VideoColumns, Columns);
        memory.WriteU16(VideoPageSize, 0x1000);
        memory.WriteU16(CursorType, 0x0607);
        memory.WriteU16(CrtcAddress, 0x3D4);
        memory.WriteU8(VideoRows, Rows - 1);
        memory.WriteU16(CharHeight, 16);
        memory.WriteU8(VideoControl, 0x60);
        memory.WriteU8(VideoSwitches, 0xF9);
        memory.WriteU8(ModesetControl, 0x51);
    }
}
