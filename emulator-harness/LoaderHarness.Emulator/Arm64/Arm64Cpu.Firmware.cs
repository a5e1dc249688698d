using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// The harness as EL3/hypervisor firmware: PSCI 0.2 for one CPU over HVC (when the guest does not own
/// EL2) and SMC. SYSTEM_OFF and SYSTEM_RESET end the run; unknown functions return NOT_SUPPORTED (SMCCC).
/// </summary>
public sealed unsafe partial class Arm64Cpu
{
    private readonly List<Arm64FirmwareCall> _firmwareCalls = [];

    /// <summary>Every HVC/SMC the harness answered.</summary>
    public IReadOnlyList<Arm64FirmwareCall> FirmwareCalls => _firmwareCalls;

    /// <summary>
    /// What PSCI_VERSION answers: 0.2 unless a VMM profile says otherwise. From 1.0 on PSCI_FEATURES is answered
    /// as QEMU 7.2's target/arm/psci.c does (SUCCESS for the functions it implements, NOT_SUPPORTED otherwise).
    /// </summary>
    public ulong PsciVersion { get; set; } = Psci.Version02;

    internal void CallFirmware(string conduit)
    {
        var function = (uint)R[0];
        var result = function switch
        {
            Psci.Version => PsciVersion,
            Psci.Features when PsciVersion >= 0x1_0000 => IsPsciFeature((uint)R[1]) ? 0UL : unchecked((ulong)Psci.NotSupported),
            Psci.MigrateInfoType => Psci.TrustedOsNotPresent,
            Psci.AffinityInfo or Psci.AffinityInfo64 => R[1] == (Identity.Mpidr & 0xFF_00FF_FFFF) ? 0UL : unchecked((ulong)Psci.InvalidParameters),
            Psci.CpuOn or Psci.CpuOn64 => unchecked((ulong)(R[1] == (Identity.Mpidr & 0xFF_00FF_FFFF) ? Psci.AlreadyOn : Psci.InvalidParameters)),
            Psci.SystemOff or Psci.SystemReset or Psci.CpuOff => 0UL,
            _ => unchecked((ulong)Psci.NotSupported),
        };
        R[0] = result;
        _firmwareCalls.Add(new Arm64FirmwareCall(conduit, function, result, Pc));
        switch (function)
        {
            case Psci.SystemOff:
                Stop(StopReason.PowerOff, $"PSCI SYSTEM_OFF ({conduit}) at 0x{Pc:x}");
                break;
            case Psci.SystemReset:
                Stop(StopReason.Reset, $"PSCI SYSTEM_RESET ({conduit}) at 0x{Pc:x}");
                break;
            case Psci.CpuOff:
                Stop(StopReason.Halt, $"PSCI CPU_OFF of the only CPU ({conduit}) at 0x{Pc:x}");
                break;
        }
    }

    /// <summary>QEMU target/arm/psci.c arm_handle_psci_call, QEMU_PSCI_1_0_FN_PSCI_FEATURES: the function IDs it reports.</summary>
    private static bool IsPsciFeature(uint function) => function is Psci.Version or Psci.MigrateInfoType
        or Psci.AffinityInfo or Psci.AffinityInfo64 or Psci.SystemReset or Psci.SystemOff
        or Psci.CpuOn01 or Psci.CpuOn or Psci.CpuOn64 or Psci.CpuOff01 or Psci.CpuOff
        or Psci.CpuSuspend01 or Psci.CpuSuspend or Psci.CpuSuspend64 or Psci.Features;
}
