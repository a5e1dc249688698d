namespace LoaderHarness.Emulator.Arm64;

/// <summary>PSCI and SMCCC function IDs and return codes (Arm DEN0022 "Power State Coordination Interface" §5, DEN0028 SMCCC).</summary>
public static class Psci
{
    /// <summary>PSCI_VERSION (SMC32): the guest asks which PSCI revision the firmware implements (DEN0022 §5.1.1).</summary>
    public const uint Version = 0x8400_0000;
    /// <summary>CPU_SUSPEND, SMC32 calling convention (DEN0022 §5.1.2).</summary>
    public const uint CpuSuspend = 0x8400_0001;
    /// <summary>CPU_SUSPEND, SMC64 calling convention (DEN0022 §5.1.2).</summary>
    public const uint CpuSuspend64 = 0xC400_0001;
    /// <summary>CPU_OFF: the calling core powers itself down (DEN0022 §5.1.3); with one vCPU it ends the run.</summary>
    public const uint CpuOff = 0x8400_0002;
    /// <summary>CPU_ON, SMC32: Linux's smp_init brings up secondary cores with it (DEN0022 §5.1.4).</summary>
    public const uint CpuOn = 0x8400_0003;
    /// <summary>CPU_ON, SMC64 calling convention (DEN0022 §5.1.4).</summary>
    public const uint CpuOn64 = 0xC400_0003;
    /// <summary>AFFINITY_INFO, SMC32: whether the core with a given MPIDR affinity is on (DEN0022 §5.1.5).</summary>
    public const uint AffinityInfo = 0x8400_0004;
    /// <summary>AFFINITY_INFO, SMC64 calling convention (DEN0022 §5.1.5).</summary>
    public const uint AffinityInfo64 = 0xC400_0004;
    /// <summary>MIGRATE_INFO_TYPE: whether a Trusted OS needs migrating when its core goes off (DEN0022 §5.1.7).</summary>
    public const uint MigrateInfoType = 0x8400_0006;
    /// <summary>SYSTEM_OFF: Linux's poweroff path; the run ends (DEN0022 §5.1.9).</summary>
    public const uint SystemOff = 0x8400_0008;
    /// <summary>SYSTEM_RESET: Linux's reboot path; the run ends (DEN0022 §5.1.10).</summary>
    public const uint SystemReset = 0x8400_0009;
    /// <summary>PSCI_FEATURES: whether a given function ID is implemented (DEN0022 §5.1.14).</summary>
    public const uint Features = 0x8400_000A;
    /// <summary>SMCCC_VERSION: Linux probes it before using SMCCC 1.1 workarounds (DEN0028 SMCCC_VERSION).</summary>
    public const uint SmcccVersion = 0x8000_0000;

    /// <summary>SUCCESS return code (DEN0022 §5.2.2).</summary>
    public const long Success = 0;
    /// <summary>NOT_SUPPORTED return code: the answer to any function ID the harness does not implement (DEN0022 §5.2.2).</summary>
    public const long NotSupported = -1;
    /// <summary>INVALID_PARAMETERS return code, e.g. CPU_ON for a core that does not exist (DEN0022 §5.2.2).</summary>
    public const long InvalidParameters = -2;
    /// <summary>ALREADY_ON return code: CPU_ON for the core that is running (DEN0022 §5.2.2).</summary>
    public const long AlreadyOn = -4;

    /// <summary>PSCI 0.2 (major 0, minor 2): what the device tree's <c>arm,psci-0.2</c> node promises.</summary>
    public const ulong Version02 = 0x0000_0002;

    /// <summary>PSCI 1.1 (major 1 [31:16], minor 1): what QEMU 7.2 TCG's firmware reports (target/arm/psci.c QEMU_PSCI_VERSION_1_1).</summary>
    public const ulong Version11 = 0x0001_0001;

    /// <summary>CPU_SUSPEND, CPU_OFF, CPU_ON of PSCI 0.1 (QEMU's QEMU_PSCI_0_1_FN_*: 0x95C1BA5E + 0..3), which its PSCI_FEATURES also answers.</summary>
    public const uint CpuSuspend01 = 0x95C1_BA5E, CpuOff01 = 0x95C1_BA5F, CpuOn01 = 0x95C1_BA60;

    /// <summary>MIGRATE_INFO_TYPE: no Trusted OS that needs migration.</summary>
    public const ulong TrustedOsNotPresent = 2;
}
