namespace LoaderHarness.Emulator.Devices.Input;

/// <summary>
/// What the two PS/2 devices behind an i8042 share, as QEMU 7.2's hw/input/ps2.c <c>PS2State</c> has it: the bytes the
/// device has for the controller, and the command byte waiting for its parameter. No keys are ever pressed and the mouse
/// never moves here, so the queue only ever holds replies to commands; a new command discards replies the host has not
/// read, as ps2.c's <c>ps2_cqueue_reset</c> does with its command-reply part of the queue.
/// </summary>
public abstract class Ps2Device
{
    private readonly Queue<byte> _queue = new();

    /// <summary>hw/input/ps2.c KBD_REPLY_ACK / AUX_ACK: the byte that acknowledges a command or parameter.</summary>
    public const byte Ack = 0xFA;
    /// <summary>KBD_REPLY_RESEND: an unknown command.</summary>
    public const byte Resend = 0xFE;
    /// <summary>KBD_REPLY_POR: the basic assurance test passed (after a reset).</summary>
    public const byte SelfTestPassed = 0xAA;

    /// <summary>Whether the device has a byte for the controller.</summary>
    public bool HasData => _queue.Count > 0;

    /// <summary>The command whose parameter byte comes next, or null (ps2.c <c>write_cmd</c> −1).</summary>
    protected byte? PendingCommand { get; set; }

    /// <summary>Takes the next byte for the controller (ps2.c ps2_read_data); with none, 0.</summary>
    public byte Read() => _queue.Count > 0 ? _queue.Dequeue() : (byte)0;

    /// <summary>A byte the host sent through the controller's data port (or its 0xD4 command, for the mouse).</summary>
    public void Write(byte value)
    {
        _queue.Clear();
        if (PendingCommand is { } command)
        {
            PendingCommand = null;
            Parameter(command, value);
        }
        else
            Command(value);
    }

    /// <summary>A command byte.</summary>
    protected abstract void Command(byte command);

    /// <summary>The parameter byte of <paramref name="command"/>.</summary>
    protected abstract void Parameter(byte command, byte value);

    /// <summary>Queues reply bytes for the controller.</summary>
    protected void Reply(params ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
            _queue.Enqueue(b);
    }
}
