using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Devices.Time;

namespace LoaderHarness.Emulator.Devices;

/// <summary>
/// The fixed ACPI hardware of QEMU's <c>-M pc</c> that its FADT names (hw/acpi/piix4.c, hw/acpi/core.c, hw/isa/apm.c,
/// hw/isa/piix3.c): the PIIX4 PM block at the PM base SeaBIOS programs (0x600): PM1a status/enable at +0 (ACPI 6.5
/// §4.8.3.1), PM1a control at +4 (§4.8.3.2.1), the 24-bit PM timer at +8 (§4.8.3.3); the GPE0 block at 0xAFE0 (two
/// status bytes, two enable bytes, §4.8.4.1); the APM control and status ports 0xB2/0xB3 that take ACPI_ENABLE and
/// ACPI_DISABLE (the FADT's SMI_CMD); and the PIIX3 reset control register at 0xCF9. Nothing raises the SCI.
/// Writing SLP_EN with SLP_TYP 0 (the DSDT's <c>_S5_</c>) or the S4 type 2 powers the machine off, writing the RCR's
/// reset bit resets it; both end the run through <see cref="Stop"/>.
/// </summary>
public sealed class Piix4PowerManagement : IPortDevice
{
    /// <summary>ACPI 6.5 §4.8.3.3: the PM timer's frequency (hw/acpi/core.c PM_TIMER_FREQUENCY 3579545).</summary>
    public const long TimerHz = 3_579_545;
    /// <summary>hw/acpi/piix4.c GPE_BASE 0xAFE0, GPE_LEN 4.</summary>
    public const ushort Gpe0Port = 0xAFE0;
    /// <summary>hw/isa/apm.c APM_CNT_IOPORT 0xB2 (APM_STS_IOPORT 0xB3).</summary>
    public const ushort ApmControlPort = 0xB2;
    /// <summary>hw/isa/piix3.c: the reset control register at 0xCF9.</summary>
    public const ushort ResetControlPort = 0xCF9;
    /// <summary>include/hw/acpi/acpi.h ACPI_ENABLE 0xF1, ACPI_DISABLE 0xF0.</summary>
    public const byte AcpiEnable = 0xF1, AcpiDisable = 0xF0;
    /// <summary>PM1_CNT bit 0, SCI_EN (ACPI_BITMASK_SCI_ENABLE).</summary>
    public const ushort SciEnable = 0x0001;
    /// <summary>PM1_CNT bit 13, SLP_EN (ACPI_BITMASK_SLEEP_ENABLE), write-only.</summary>
    public const ushort SleepEnable = 0x2000;
    /// <summary>PM1_STS bit 0, TMR_STS: the timer's bit 23 changed (ACPI_BITMASK_TIMER_STATUS).</summary>
    public const ushort TimerStatus = 0x0001;

    private readonly ushort _base;
    private readonly IVirtualClock _clock;
    private readonly long _start;
    private readonly byte[] _gpe0 = new byte[4];
    private ushort _pm1Status, _pm1Enable, _pm1Control;
    private long _timerEpoch;
    private byte _apmStatus, _resetControl;

    /// <summary>The PM block at <paramref name="pmBase"/>, its timer counting on <paramref name="clock"/> from now (QEMU: from VM start).</summary>
    public Piix4PowerManagement(ushort pmBase, IVirtualClock clock)
    {
        _base = pmBase;
        _clock = clock;
        _start = clock.Nanoseconds;
    }

    /// <summary>Called with <see cref="StopReason.PowerOff"/> or <see cref="StopReason.Reset"/> and a detail line.</summary>
    public Action<StopReason, string>? Stop { get; set; }

    /// <summary>The PM1a control register as the guest reads it (SCI_EN, SLP_TYP).</summary>
    public ushort Pm1Control => _pm1Control;

    /// <summary>The PM timer's 24 bits (hw/acpi/core.c acpi_pm_tmr_get: muldiv64(virtual ns, PM_TIMER_FREQUENCY, 1e9) &amp; 0xFFFFFF).</summary>
    public uint Timer => (uint)Ticks() & 0xFF_FFFF;

    /// <summary>Claims the PM block (12 ports: hw/acpi/piix4.c's "acpi-evt", "acpi-cnt", "acpi-tmr"), GPE0, 0xB2–0xB3 and 0xCF9.</summary>
    public void Attach(IoBus bus)
    {
        bus.Register(_base, 12, this);
        bus.Register(Gpe0Port, 4, this);
        bus.Register(ApmControlPort, 2, this);
        bus.Register(ResetControlPort, 1, this);
    }

    /// <inheritdoc/>
    public uint Read(ushort port, int size)
    {
        if (port == ResetControlPort)
            return _resetControl;
        if (port is ApmControlPort or ApmControlPort + 1)
            return port == ApmControlPort ? 0u : _apmStatus;
        if (port - Gpe0Port is >= 0 and < 4 and var g)
            return Bytes(_gpe0, g, size);
        var offset = port - _base;
        return offset switch
        {
            < 2 => Slice(Status(), offset, size),
            < 4 => Slice(_pm1Enable, offset - 2, size),
            < 6 => Slice(_pm1Control, offset - 4, size),
            >= 8 and < 12 => (Timer >> (8 * (offset - 8))) & Mask(size),
            _ => 0,
        };
    }

    /// <inheritdoc/>
    public void Write(ushort port, int size, uint value)
    {
        if (port == ResetControlPort)
        {
            // hw/isa/piix3.c rcr_write: bit 2 (RCPU) resets the system; otherwise only bit 1 (SRST, the reset type) is kept.
            if ((value & 4) != 0)
                Stop?.Invoke(StopReason.Reset, $"PIIX3 reset control (0x{value & 0xFF:x2} to port 0xcf9)");
            else
                _resetControl = (byte)(value & 2);
            return;
        }
        if (port == ApmControlPort)
        {
            // hw/acpi/piix4.c apm_ctrl_changed → hw/acpi/core.c acpi_pm1_cnt_update (ACPI 6.5 §4.8.2.1 SCI_EN).
            if ((byte)value == AcpiEnable)
                _pm1Control |= SciEnable;
            else if ((byte)value == AcpiDisable)
                _pm1Control &= unchecked((ushort)~SciEnable);
            return;
        }
        if (port == ApmControlPort + 1)
        {
            _apmStatus = (byte)value;
            return;
        }
        if (port - Gpe0Port is >= 0 and < 4 and var g)
        {
            // hw/acpi/core.c acpi_gpe_ioport_writeb: status bytes are write-one-to-clear, enable bytes are stored.
            for (var i = 0; i < size && g + i < 4; i++)
            {
                var b = (byte)(value >> (8 * i));
                if (g + i < 2)
                    _gpe0[g + i] &= (byte)~b;
                else
                    _gpe0[g + i] = b;
            }
            return;
        }
        var offset = port - _base;
        if (offset < 2)
            ClearStatus((ushort)(value << (8 * offset)));
        else if (offset < 4)
            _pm1Enable = Merge(_pm1Enable, offset - 2, size, value);
        else if (offset < 6)
            WriteControl(Merge(_pm1Control, offset - 4, size, value));
    }

    /// <summary>
    /// hw/acpi/core.c acpi_pm1_cnt_write: the register keeps everything but SLP_EN; with SLP_EN, SLP_TYP 0 is soft power off,
    /// 1 suspend (S3, not modelled: ignored), and the S4 value (PIIX4's 2) a power off after saving to disk.
    /// </summary>
    private void WriteControl(ushort value)
    {
        _pm1Control = (ushort)(value & ~SleepEnable);
        if ((value & SleepEnable) == 0)
            return;
        var type = (value >> 10) & 7;
        if (type is 0 or 2)
            Stop?.Invoke(StopReason.PowerOff, $"ACPI S{(type == 0 ? 5 : 4)} (0x{value:x4} to PM1a_CNT)");
    }

    /// <summary>PM1_STS with TMR_STS set once the timer's bit 23 changed since it was last cleared (acpi_pm1_evt_get_sts).</summary>
    private ushort Status()
    {
        if (Ticks() >> 23 != _timerEpoch)
            _pm1Status |= TimerStatus;
        return _pm1Status;
    }

    /// <summary>hw/acpi/core.c acpi_pm1_evt_write_sts: writing ones clears; clearing TMR_STS starts a new timer period.</summary>
    private void ClearStatus(ushort ones)
    {
        var status = Status();
        if ((ones & TimerStatus) != 0)
            _timerEpoch = Ticks() >> 23;
        _pm1Status = (ushort)(status & ~ones);
    }

    private long Ticks() => (long)((Int128)(_clock.Nanoseconds - _start) * TimerHz / 1_000_000_000);

    private static uint Mask(int size) => size >= 4 ? 0xFFFF_FFFFu : (1u << (8 * size)) - 1;

    private static uint Slice(ushort register, int offset, int size) => (uint)(register >> (8 * offset)) & Mask(Math.Min(size, 2));

    private static uint Bytes(byte[] block, int offset, int size)
    {
        uint v = 0;
        for (var i = 0; i < size && offset + i < block.Length; i++)
            v |= (uint)block[offset + i] << (8 * i);
        return v;
    }

    private static ushort Merge(ushort register, int offset, int size, uint value)
    {
        var mask = Mask(Math.Min(size, 2)) << (8 * offset);
        return (ushort)((register & ~mask) | ((value << (8 * offset)) & mask));
    }
}
