using System.Text;

namespace LoaderHarness.Emulator.Vcpu.Bios;

/// <summary>
/// INT 10h as a VGA BIOS in text mode 3 without VBE answers the calls Linux's real-mode video code makes with
/// <c>vga=normal</c> and no menu (arch/x86/boot/video.c store_mode_params, video-vga.c vga_probe and
/// vga_set_basic_mode, video-vesa.c vesa_probe, tty.c bios_putchar). Register contracts: Ralf Brown's
/// Interrupt List INT 10h AH=00h/01h/02h/03h/0Eh/0Fh, AX=1200h BL=10h, AX=1A00h, AX=4F00h; values as SeaBIOS's
/// vgasrc/vgabios.c handle_10xx. Teletype output is kept as text; the characters also land in the text
/// buffer at 0xB8000.
/// </summary>
internal sealed class VideoServices
{
    /// <summary>The colour text buffer (RBIL MEMORY.LST: B800:0000 for modes 0-3).</summary>
    private const ulong TextBuffer = 0xB_8000;
    /// <summary>Light grey on black, the attribute a teletype write gives a new line.</summary>
    private const byte Attribute = 0x07;

    private readonly StringBuilder _teletype = new();

    /// <summary>What the guest wrote through INT 10h AH=0Eh, carriage returns dropped.</summary>
    public string Teletype => _teletype.ToString();

    /// <summary>Answers the call in <paramref name="f"/>; false when this BIOS does not implement it.</summary>
    public bool Answer(BiosFrame f)
    {
        var memory = f.Cpu.Memory;
        switch (f.Ah)
        {
            case 0x00: // Set video mode: only mode 3, the one vga_set_basic_mode asks for on a colour VGA.
                if ((f.Al & 0x7F) != BiosDataArea.TextMode)
                    return false;
                memory.WriteU8(BiosDataArea.VideoMode, BiosDataArea.TextMode);
                memory.WriteU16(BiosDataArea.VideoColumns, BiosDataArea.Columns);
                memory.WriteU8(BiosDataArea.VideoRows, BiosDataArea.Rows - 1);
                memory.Fill(BiosDataArea.CursorPosition, 16, 0);
                memory.WriteU8(BiosDataArea.VideoPage, 0);
                if ((f.Al & 0x80) == 0)
                    ClearScreen(f);
                f.Al = 0x30; // RBIL: "AL = video mode flag: 30h modes 0-5 and 7" (SeaBIOS handle_1000)
                return true;
            case 0x01: // Set cursor shape: CH start, CL end scan line.
                memory.WriteU16(BiosDataArea.CursorType, f.Cx);
                return true;
            case 0x02: // Set cursor position: BH page, DH row, DL column.
                if (f.Bh > 7)
                    return true;
                memory.WriteU16(BiosDataArea.CursorPosition + (ulong)f.Bh * 2, f.Dx);
                return true;
            case 0x03: // Get cursor position and shape: CX shape, DX position of page BH.
                f.Cx = memory.ReadU16(BiosDataArea.CursorType);
                f.Dx = f.Bh > 7 ? (ushort)0 : memory.ReadU16(BiosDataArea.CursorPosition + (ulong)f.Bh * 2);
                return true;
            case 0x0E: // Teletype output: AL character, page 0.
                Write(f, f.Al);
                return true;
            case 0x0F: // Get video mode: AL mode (bit 7 from video_ctl), AH columns, BH active page.
                f.Al = (byte)(memory.ReadU8(BiosDataArea.VideoMode) | (memory.ReadU8(BiosDataArea.VideoControl) & 0x80));
                f.Ah = (byte)memory.ReadU16(BiosDataArea.VideoColumns);
                f.Bh = memory.ReadU8(BiosDataArea.VideoPage);
                return true;
            case 0x12 when f.Bl == 0x10: // Alternate function select, get EGA info: BH 0 colour, BL 3 (256 KiB), CX switches.
                f.Bx = memory.ReadU16(BiosDataArea.CrtcAddress) == 0x3B4 ? (ushort)0x0103 : (ushort)0x0003;
                f.Cx = (ushort)(memory.ReadU8(BiosDataArea.VideoSwitches) & 0x0F);
                return true;
            case 0x1A when f.Al == 0x00: // Get display combination: AL = 1Ah supported, BL 08h VGA colour analog, BH none.
                f.Al = 0x1A;
                f.Bx = 0x0008;
                return true;
            case 0x4F: // VBE: a VGA BIOS without VBE leaves AX alone (RBIL: "AL = 4Fh if function supported").
                return true;
            default:
                return false;
        }
    }

    /// <summary>Keeps <paramref name="ch"/> as teletype text only (qboot sends it to the serial port, not the screen).</summary>
    public void Print(byte ch)
    {
        if (ch == 0x0A || ch >= 0x20)
            _teletype.Append((char)ch);
    }

    private void Write(BiosFrame f, byte ch)
    {
        var memory = f.Cpu.Memory;
        var position = memory.ReadU16(BiosDataArea.CursorPosition);
        int row = position >> 8, column = position & 0xFF;
        switch (ch)
        {
            case 0x07: // BEL: a beep, nothing on screen
                break;
            case 0x08:
                column = Math.Max(0, column - 1);
                break;
            case 0x0D:
                column = 0;
                break;
            case 0x0A:
                row++;
                _teletype.Append('\n');
                break;
            default:
                memory.WriteU16(TextBuffer + (ulong)(row * BiosDataArea.Columns + column) * 2, (ushort)(ch | Attribute << 8));
                _teletype.Append((char)ch);
                if (++column == BiosDataArea.Columns)
                {
                    column = 0;
                    row++;
                }
                break;
        }
        if (row == BiosDataArea.Rows)
        {
            Scroll(f);
            row--;
        }
        memory.WriteU16(BiosDataArea.CursorPosition, (ushort)(row << 8 | column));
    }

    private static void Scroll(BiosFrame f)
    {
        var memory = f.Cpu.Memory;
        const int line = BiosDataArea.Columns * 2;
        var screen = memory.ReadBytes(TextBuffer + line, line * (BiosDataArea.Rows - 1));
        memory.Write(TextBuffer, screen);
        for (var c = 0; c < BiosDataArea.Columns; c++)
            memory.WriteU16(TextBuffer + (ulong)(line * (BiosDataArea.Rows - 1) + c * 2), 0x20 | Attribute << 8);
    }

    private static void ClearScreen(BiosFrame f)
    {
        for (var i = 0; i < BiosDataArea.Columns * BiosDataArea.Rows; i++)
            f.Cpu.Memory.WriteU16(TextBuffer + (ulong)i * 2, 0x20 | Attribute << 8);
    }
}
