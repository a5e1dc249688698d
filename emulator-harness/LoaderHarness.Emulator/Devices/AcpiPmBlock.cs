using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Devices;

/// <summary>
/// crosvm's ACPI PM register block (devices/src/acpi.rs <c>ACPIPMResource</c>, put at pm_iobase by x86_64/src/lib.rs
/// setup_acpi_devices), which its FADT names as PM1a_EVT_BLK, PM1a_CNT_BLK and GPE0_BLK: PM1 status and enable (two bytes
/// each, ACPI 6.5 §4.8.3.1), PM1 control at +4 (§4.8.3.2), then the GPE0 block at +8, 32 status bytes and 32 enable bytes
/// (§4.8.4.1). Status bits are write-one-to-clear. Nothing here raises an event, so the SCI stays quiet; writing SLP_EN with
/// the <c>_S5_</c> sleep type (0) powers the machine off through <see cref="Stop"/>.
/// </summary>
public sealed class AcpiPmBlock : IPortDevice
{
    /// <summary>acpi.rs <c>ACPIPM_RESOURCE_LEN</c>: event block 4 + control block and padding 4 + GPE0 block 64.</summary>
    public const int Length = 72;
    /// <summary>acpi.rs PM1_CONTROL = PM1_STATUS + ACPIPM_RESOURCE_EVENTBLK_LEN.</summary>
    private const int Pm1Control = 4;
    /// <summary>acpi.rs GPE0_STATUS = PM1_STATUS + ACPIPM_RESOURCE_EVENTBLK_LEN + 4 ("ensure alignment").</summary>
    private const int Gpe0Status = 8;
    /// <summary>acpi.rs GPE0_ENABLE = GPE0_STATUS + ACPIPM_RESOURCE_GPE0_BLK_LEN / 2.</summary>
    private const int Gpe0Enable = Gpe0Status + 32;
    /// <summary>acpi.rs BITMASK_PM1CNT_SLEEP_ENABLE (SLP_EN, bit 13), write-only.</summary>
    public const ushort SleepEnable = 0x2000;
    /// <summary>acpi.rs BITMASK_PM1CNT_SLEEP_TYPE (SLP_TYP, bits 10–12).</summary>
    private const ushort SleepTypeMask = 0x1C00;

    private readonly ushort _base;
    private readonly byte[] _gpe0 = new byte[64];
    private ushort _pm1Status, _pm1Enable, _pm1Control;

    /// <summary>A block whose first port is <paramref name="basePort"/>.</summary>
    public AcpiPmBlock(ushort basePort) => _base = basePort;

    /// <summary>Called with <see cref="StopReason.PowerOff"/> and a detail line when the guest enters S5.</summary>
    public Action<StopReason, string>? Stop { get; set; }

    /// <summary>Claims the block's <see cref="Length"/> ports on <paramref name="bus"/> (lib.rs: <c>io_bus.insert(pm, pm_iobase, ACPIPM_RESOURCE_LEN)</c>).</summary>
    public void Attach(IoBus bus) => bus.Register(_base, Length, this);

    /// <inheritdoc/>
    /// <remarks>
    /// acpi.rs read: PM1 registers by byte or word within one register, GPE0 registers by byte; any other access is refused
    /// with a warning, read here as 0.
    /// </remarks>
    public uint Read(ushort port, int size)
    {
        var offset = port - _base;
        return offset switch
        {
            < 2 when offset + size <= 2 => Slice(_pm1Status, offset, size),
            < 4 when offset + size <= 4 => Slice(_pm1Enable, offset - 2, size),
            < 6 when offset >= Pm1Control && offset + size <= 6 => Slice(_pm1Control, offset - Pm1Control, size),
            >= Gpe0Status and < Length when size == 1 => _gpe0[offset - Gpe0Status],
            _ => 0,
        };
    }

    /// <inheritdoc/>
    public void Write(ushort port, int size, uint value)
    {
        var offset = port - _base;
        if (offset < 2 && offset + size <= 2)
            _pm1Status &= (ushort)~(value << (8 * offset));
        else if (offset is >= 2 and < 4 && offset + size <= 4)
            _pm1Enable = Merge(_pm1Enable, offset - 2, size, value);
        else if (offset is >= Pm1Control and < 6 && offset + size <= 6)
            WriteControl(Merge(_pm1Control, offset - Pm1Control, size, value));
        else if (offset is >= Gpe0Status and < Gpe0Enable && size == 1)
            _gpe0[offset - Gpe0Status] &= (byte)~value;
        else if (offset is >= Gpe0Enable and < Length && size == 1)
            _gpe0[offset - Gpe0Status] = (byte)value;
    }

    /// <summary>acpi.rs write to PM1_CONTROL: SLP_EN with SLP_TYP S5 (0 &lt;&lt; 10) exits, S1 (1 &lt;&lt; 10) would suspend; SLP_EN reads back 0.</summary>
    private void WriteControl(ushort value)
    {
        if ((value & SleepEnable) != 0 && (value & SleepTypeMask) == 0)
            Stop?.Invoke(StopReason.PowerOff, $"ACPI S5 (0x{value:x4} to PM1a_CNT)");
        _pm1Control = (ushort)(value & ~SleepEnable);
    }

    private static uint Slice(ushort register, int offset, int size) => (uint)(register >> (8 * offset)) & (size == 1 ? 0xFFu : 0xFFFFu);

    private static ushort Merge(ushort register, int offset, int size, uint value)
    {
        var mask = (size == 1 ? 0xFFu : 0xFFFFu) << (8 * offset);
        return (ushort)((register & ~mask) | ((value << (8 * offset)) & mask));
    }
}
