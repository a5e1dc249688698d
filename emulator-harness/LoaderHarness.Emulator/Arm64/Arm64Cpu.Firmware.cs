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

    internal void CallFirmware(string conduit)
    {
        var function = (uint)R[0];
        var result = function switch
        {
            Psci.Version => Psci.Version02,
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
}
