using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// Unwinds from deep inside an instruction handler to the run loop: either a synchronous guest exception
/// (a translation, permission or access-flag fault) or a request to end the run (something unimplemented).
/// One instance per CPU is reused; it never leaves <see cref="Arm64Cpu.Run"/>.
/// </summary>
internal sealed class Arm64Abort : Exception
{
    /// <summary>True: end the run with <see cref="Reason"/>; false: take the guest exception.</summary>
    public bool IsStop { get; set; }

    public StopReason Reason { get; set; }

    public string? Detail { get; set; }

    /// <summary>ESR_ELx.EC.</summary>
    public uint ExceptionClass { get; set; }

    /// <summary>ESR_ELx.ISS.</summary>
    public uint Syndrome { get; set; }

    /// <summary>FAR_ELx: the faulting virtual address.</summary>
    public ulong FaultAddress { get; set; }
}
