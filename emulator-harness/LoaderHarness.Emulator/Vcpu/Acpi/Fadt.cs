using System.Buffers.Binary;

namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// The Fixed ACPI Description Table, revision 6 (ACPI 6.5 §5.2.9, Table 5.9): 276 bytes; or revision 5 (ACPI 5.1
/// §5.2.9, Table 5-34): 268 bytes, without the Hypervisor Vendor Identity; or revision 1 (ACPI 1.0b §5.2.5, Table 5-6):
/// 116 bytes, through <c>Flags</c>. Only the fields a VMM sets are parameters; every other field is zero, which for a hardware-reduced platform means "not present".
/// </summary>
public sealed record Fadt
{
    /// <summary>Length of a revision-6 FADT, through <c>Hypervisor Vendor Identity</c> at 268 (Table 5.9).</summary>
    public const int Size = 276;
    /// <summary>Length of a revision-5 FADT, through <c>SLEEP_STATUS_REG</c> at 256 (ACPI 5.1 Table 5-34).</summary>
    public const int Revision5Size = 268;
    /// <summary>Length of a revision-1 FADT, through <c>Flags</c> at 112 (ACPI 1.0b Table 5-6).</summary>
    public const int Revision1Size = 116;

    /// <summary><c>Flags</c> bit 0, WBINVD: the processor's WBINVD works correctly (ACPI 6.5 Table 5.10).</summary>
    public const uint Wbinvd = 1u << 0;
    /// <summary><c>Flags</c> bit 2, PROC_C1: C1 is supported on all processors.</summary>
    public const uint ProcessorC1 = 1u << 2;
    /// <summary><c>Flags</c> bit 7, RTC_S4: the RTC can wake the system from S4.</summary>
    public const uint RtcS4 = 1u << 7;
    /// <summary><c>Flags</c> bit 15, USE_PLATFORM_CLOCK: OSPM should use a platform clock (the PM timer).</summary>
    public const uint UsePlatformClock = 1u << 15;

    /// <summary><c>Flags</c> bit 4, PWR_BUTTON: no fixed-feature power button (Table 5.10).</summary>
    public const uint PowerButton = 1u << 4;
    /// <summary><c>Flags</c> bit 5, SLP_BUTTON: no fixed-feature sleep button.</summary>
    public const uint SleepButton = 1u << 5;
    /// <summary><c>Flags</c> bit 8, TMR_VAL_EXT: the PM timer's value is 32 bits wide.</summary>
    public const uint TimerValueExtended = 1u << 8;
    /// <summary><c>Flags</c> bit 10, RESET_REG_SUP: <c>RESET_REG</c> resets the system.</summary>
    public const uint ResetRegisterSupported = 1u << 10;
    /// <summary><c>Flags</c> bit 20, HW_REDUCED_ACPI: no fixed hardware, no SCI through PM1 registers.</summary>
    public const uint HardwareReducedAcpi = 1u << 20;
    /// <summary><c>IAPC_BOOT_ARCH</c> bit 2, VGA Not Present (Table 5.11).</summary>
    public const ushort VgaNotPresent = 1 << 2;

    /// <summary>The header (signature "FACP").</summary>
    public required SdtHeader Header { get; init; }
    /// <summary><c>FIRMWARE_CTRL</c> at 36, the FACS's 32-bit address (0 when only <see cref="XFirmwareControl"/> is given).</summary>
    public uint FirmwareControl { get; init; }
    /// <summary><c>DSDT</c> at 40, the 32-bit pointer (0 when only <see cref="XDsdt"/> is given).</summary>
    public uint Dsdt { get; init; }
    /// <summary><c>INT_MODEL</c> at 44 in ACPI 1.0 (reserved since 2.0, where QEMU still writes 1 for PIIX4).</summary>
    public byte InterruptModel { get; init; }
    /// <summary><c>SCI_INT</c> at 46.</summary>
    public ushort SciInterrupt { get; init; }
    /// <summary><c>SMI_CMD</c> at 48: the port OSPM writes <see cref="AcpiEnable"/> to (0: no SMI command port, ACPI always on).</summary>
    public uint SmiCommand { get; init; }
    /// <summary><c>ACPI_ENABLE</c> at 52.</summary>
    public byte AcpiEnable { get; init; }
    /// <summary><c>ACPI_DISABLE</c> at 53.</summary>
    public byte AcpiDisable { get; init; }
    /// <summary><c>PM1a_EVT_BLK</c> at 56: the PM1a status and enable registers' I/O port.</summary>
    public uint Pm1aEventBlock { get; init; }
    /// <summary><c>PM1a_CNT_BLK</c> at 64: the PM1a control register's I/O port.</summary>
    public uint Pm1aControlBlock { get; init; }
    /// <summary><c>PM_TMR_BLK</c> at 76: the PM timer's I/O port.</summary>
    public uint PmTimerBlock { get; init; }
    /// <summary><c>GPE0_BLK</c> at 80: the GPE0 status and enable registers' I/O port.</summary>
    public uint Gpe0Block { get; init; }
    /// <summary><c>PM1_EVT_LEN</c> at 88.</summary>
    public byte Pm1EventLength { get; init; }
    /// <summary><c>PM1_CNT_LEN</c> at 89.</summary>
    public byte Pm1ControlLength { get; init; }
    /// <summary><c>PM_TMR_LEN</c> at 91.</summary>
    public byte PmTimerLength { get; init; }
    /// <summary><c>GPE0_BLK_LEN</c> at 92.</summary>
    public byte Gpe0BlockLength { get; init; }
    /// <summary><c>P_LVL2_LAT</c> at 96: C2 latency in microseconds (over 100: C2 not supported).</summary>
    public ushort Level2Latency { get; init; }
    /// <summary><c>P_LVL3_LAT</c> at 98: C3 latency in microseconds (over 1000: C3 not supported).</summary>
    public ushort Level3Latency { get; init; }
    /// <summary><c>DAY_ALRM</c> at 106: the RTC CMOS index of the day-of-month alarm.</summary>
    public byte DayAlarm { get; init; }
    /// <summary><c>MON_ALRM</c> at 107: the RTC CMOS index of the month alarm.</summary>
    public byte MonthAlarm { get; init; }
    /// <summary><c>CENTURY</c> at 108: the RTC CMOS index of the century.</summary>
    public byte Century { get; init; }
    /// <summary><c>IAPC_BOOT_ARCH</c> at 109.</summary>
    public ushort IapcBootArch { get; init; }
    /// <summary><c>Flags</c> at 112.</summary>
    public uint Flags { get; init; }
    /// <summary><c>RESET_REG</c> at 116.</summary>
    public GenericAddress ResetRegister { get; init; }
    /// <summary><c>RESET_VALUE</c> at 128.</summary>
    public byte ResetValue { get; init; }
    /// <summary><c>FADT Minor Version</c> at 131.</summary>
    public byte MinorVersion { get; init; }
    /// <summary><c>X_FIRMWARE_CTRL</c> at 132, the FACS's 64-bit address.</summary>
    public ulong XFirmwareControl { get; init; }
    /// <summary><c>X_DSDT</c> at 140.</summary>
    public ulong XDsdt { get; init; }
    /// <summary><c>X_PM_TMR_BLK</c> at 208.</summary>
    public GenericAddress XPmTimerBlock { get; init; }
    /// <summary><c>SLEEP_CONTROL_REG</c> at 244.</summary>
    public GenericAddress SleepControlRegister { get; init; }
    /// <summary><c>SLEEP_STATUS_REG</c> at 256.</summary>
    public GenericAddress SleepStatusRegister { get; init; }
    /// <summary><c>Hypervisor Vendor Identity</c> at 268, eight ASCII bytes (null: zero); revision 6 only.</summary>
    public string? HypervisorVendorId { get; init; }

    /// <summary>The FADT's bytes, checksummed.</summary>
    public byte[] Build()
    {
        var t = Header.NewTable(Header.Revision >= 6 ? Size : Header.Revision >= 3 ? Revision5Size : Revision1Size);
        BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(36), FirmwareControl);
        BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(40), Dsdt);
        t[44] = InterruptModel;
        BinaryPrimitives.WriteUInt16LittleEndian(t.AsSpan(46), SciInterrupt);
        BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(48), SmiCommand);
        t[52] = AcpiEnable;
        t[53] = AcpiDisable;
        BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(56), Pm1aEventBlock);
        BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(64), Pm1aControlBlock);
        BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(76), PmTimerBlock);
        BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(80), Gpe0Block);
        t[88] = Pm1EventLength;
        t[89] = Pm1ControlLength;
        t[91] = PmTimerLength;
        t[92] = Gpe0BlockLength;
        BinaryPrimitives.WriteUInt16LittleEndian(t.AsSpan(96), Level2Latency);
        BinaryPrimitives.WriteUInt16LittleEndian(t.AsSpan(98), Level3Latency);
        t[106] = DayAlarm;
        t[107] = MonthAlarm;
        t[108] = Century;
        BinaryPrimitives.WriteUInt16LittleEndian(t.AsSpan(109), IapcBootArch);
        BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(112), Flags);
        if (t.Length == Revision1Size)
            return SdtHeader.Seal(t); // ACPI 1.0 ends at Flags; a reset register or 64-bit pointer has no place
        ResetRegister.WriteTo(t.AsSpan(116));
        t[128] = ResetValue;
        t[131] = MinorVersion;
        BinaryPrimitives.WriteUInt64LittleEndian(t.AsSpan(132), XFirmwareControl);
        BinaryPrimitives.WriteUInt64LittleEndian(t.AsSpan(140), XDsdt);
        XPmTimerBlock.WriteTo(t.AsSpan(208));
        SleepControlRegister.WriteTo(t.AsSpan(244));
        SleepStatusRegister.WriteTo(t.AsSpan(256));
        if (HypervisorVendorId is { } vendor && Header.Revision >= 6)
            SdtHeader.Ascii(t.AsSpan(268, 8), vendor);
        return SdtHeader.Seal(t);
    }
}
