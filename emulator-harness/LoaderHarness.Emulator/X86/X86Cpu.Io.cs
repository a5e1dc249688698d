using LoaderHarness.Emulator.Core;
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

    /// <summary>CLI/STI need CPL ≤ IOPL in protected mode.</summary>
    internal void CheckIoPermission()
    {
        if (Protected && Cpl > (int)((FlagsRest & FlagBits.IOPL) >> 12))
            Throw(ExceptionVector.GeneralProtection);
    }

    /// <summary>
    /// IN/OUT/INS/OUTS of <paramref name="size"/> bytes at <paramref name="port"/>: allowed when CPL ≤ IOPL,
    /// else only when the TSS I/O permission bitmap clears every bit of the ports touched (SDM Vol. 1
    /// §19.5.2: the map offset is the word at TSS + 66h; the processor reads two bytes of the map, and any
    /// of them beyond the TSS limit, or a TSS without a map, means #GP(0)).
    /// </summary>
    internal void CheckPortPermission(ushort port, int size)
    {
        if (!Protected || Cpl <= (int)((FlagsRest & FlagBits.IOPL) >> 12))
            return;
        ref var tr = ref Seg[(int)SegmentRegister.Tr];
        if (tr.Unusable || tr.Type is not (9 or 0xB) || tr.Limit < 0x67)
            Throw(ExceptionVector.GeneralProtection);
        var offset = ReadLinear(WrapLinear(tr.Base + 0x66), 2) + (ulong)(port >> 3);
        if (offset + 1 > tr.Limit)
            Throw(ExceptionVector.GeneralProtection);
        var map = ReadLinear(WrapLinear(tr.Base + offset), 2);
        if ((map & (((1UL << size) - 1) << (port & 7))) != 0)
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
