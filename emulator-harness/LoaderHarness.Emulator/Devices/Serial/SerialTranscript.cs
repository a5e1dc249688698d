using System.Text;

namespace LoaderHarness.Emulator.Devices.Serial;

/// <summary>
/// What a serial port has transmitted: the whole text (one char per byte, Latin-1) and an event per
/// completed line, so a harness can react to the first console line without rescanning the text.
/// </summary>
public sealed class SerialTranscript
{
    private readonly StringBuilder _text = new();
    private readonly StringBuilder _line = new();

    /// <summary>Raised for every line feed with the line's text, without the LF or a trailing CR.</summary>
    public event Action<string>? LineCompleted;

    /// <summary>Everything transmitted so far.</summary>
    public string Text => _text.ToString();

    /// <summary>Number of bytes transmitted.</summary>
    public int Length => _text.Length;

    /// <summary>Number of completed lines.</summary>
    public int LineCount { get; private set; }

    /// <summary>The first completed line, or null before one was completed.</summary>
    public string? FirstLine { get; private set; }

    /// <summary>Records one transmitted byte.</summary>
    public void Append(byte value)
    {
        var c = (char)value;
        _text.Append(c);
        if (c != '\n')
        {
            _line.Append(c);
            return;
        }
        if (_line.Length > 0 && _line[^1] == '\r')
            _line.Length--;
        var line = _line.ToString();
        _line.Clear();
        LineCount++;
        FirstLine ??= line;
        LineCompleted?.Invoke(line);
    }
}
