namespace LoaderHarness.Emulator.X86;

/// <summary>Architectural exception vectors (SDM Vol. 3A Table 6-1).</summary>
public static class ExceptionVector
{
    /// <summary>#DE divide error.</summary>
    public const int DivideError = 0;
    /// <summary>#DB debug.</summary>
    public const int Debug = 1;
    /// <summary>#BP breakpoint (INT3).</summary>
    public const int Breakpoint = 3;
    /// <summary>#OF overflow (INTO).</summary>
    public const int Overflow = 4;
    /// <summary>#BR bound range.</summary>
    public const int BoundRange = 5;
    /// <summary>#UD invalid opcode.</summary>
    public const int InvalidOpcode = 6;
    /// <summary>#NM device not available.</summary>
    public const int DeviceNotAvailable = 7;
    /// <summary>#DF double fault.</summary>
    public const int DoubleFault = 8;
    /// <summary>#TS invalid TSS.</summary>
    public const int InvalidTss = 10;
    /// <summary>#NP segment not present.</summary>
    public const int SegmentNotPresent = 11;
    /// <summary>#SS stack-segment fault.</summary>
    public const int StackFault = 12;
    /// <summary>#GP general protection.</summary>
    public const int GeneralProtection = 13;
    /// <summary>#PF page fault.</summary>
    public const int PageFault = 14;
    /// <summary>#MF x87 floating-point error.</summary>
    public const int FloatingPoint = 16;
    /// <summary>#AC alignment check.</summary>
    public const int AlignmentCheck = 17;

    /// <summary>Whether the CPU pushes an error code for <paramref name="vector"/> (SDM Vol. 3A §6.13).</summary>
    public static bool HasErrorCode(int vector) => vector is 8 or 10 or 11 or 12 or 13 or 14 or 17 or 21;

    /// <summary>Contributory exceptions for the double-fault rule (SDM Vol. 3A Table 6-4).</summary>
    public static bool IsContributory(int vector) => vector is 0 or 10 or 11 or 12 or 13;
}
