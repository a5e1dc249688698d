using LoaderHarness.Emulator.Devices;

namespace LoaderHarness.Emulator.X86;

/// <summary>Port I/O: privilege check, the built-in debug-exit and debug-console ports.</summary>
public sealed partial class X86Cpu
{
    /// <summary>The QEMU-style debug-exit device on port 0xF4; a write ends the run with <see cref="StopReason.ExitPort"/>.</summary>
    public DebugExitPort DebugExit { get; } = new();

    /// <summary>The port-0xE9 debug console.</summary>
    public DebugConsolePort DebugConsole { get; } = new();

    private void RegisterBuiltInDevices()
    {
        Bus.Register(DebugExitPort.DefaultPort, 1, DebugExit);
        Bus.Register(DebugConsolePort.DefaultPort, 1, DebugConsole);
    }

    /// <summary>IN/OUT/INS/OUTS/CLI/STI need CPL ≤ IOPL in protected mode (the TSS I/O bitmap is not consulted).</summary>
    internal void CheckIoPermission()
    {
        if (Protected && Cpl > (int)((FlagsRest & FlagBits.IOPL) >> 12))
            Throw(ExceptionVector.GeneralProtection);
    }

    /// <summary>OUT to the bus; a write to the debug-exit device ends the run after this instruction.</summary>
    internal void PortOut(ushort port, int size, uint value)
    {
        Bus.Out(port, size, value);
        if (DebugExit.Triggered)
        {
            DebugExit.Reset();
            Stop(StopReason.ExitPort, $"debug-exit value 0x{DebugExit.Value:x} (exit code {DebugExit.ExitCode})");
        }
    }

    /// <summary>Whether CPUID advertises BMI1 (decides whether TZCNT runs as TZCNT or as BSF).</summary>
    internal bool HasBmi1 => (CpuId.Query(7, 0).Ebx & (1u << 3)) != 0;
}
