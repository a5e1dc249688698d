namespace LoaderHarness.Emulator.Arm64;

/// <summary>PSCI and SMCCC function IDs and return codes (Arm DEN0022 "Power State Coordination Interface" §5, DEN0028 SMCCC).</summary>
public static class Psci
{
    public const uint Version = 0x8400_0000;
    public const uint CpuSuspend = 0x8400_0001;
    public const uint CpuSuspend64 = 0xC400_0001;
    public const uint CpuOff = 0x8400_0002;
    public const uint CpuOn = 0x8400_0003;
    public const uint CpuOn64 = 0xC400_0003;
    public const uint AffinityInfo = 0x8400_0004;
    public const uint AffinityInfo64 = 0xC400_0004;
    public const uint MigrateInfoType = 0x8400_0006;
    public const uint SystemOff = 0x8400_0008;
    public const uint SystemReset = 0x8400_0009;
    public const uint Features = 0x8400_000A;
    public const uint SmcccVersion = 0x8000_0000;

    public const long Success = 0;
    public const long NotSupported = -1;
    public const long InvalidParameters = -2;
    public const long AlreadyOn = -4;

    /// <summary>PSCI 0.2 (major 0, minor 2): what the device tree's <c>arm,psci-0.2</c> node promises.</summary>
    public const ulong Version02 = 0x0000_0002;

    /// <summary>MIGRATE_INFO_TYPE: no Trusted OS that needs migration.</summary>
    public const ulong TrustedOsNotPresent = 2;
}
