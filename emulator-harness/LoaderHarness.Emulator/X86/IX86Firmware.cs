namespace LoaderHarness.Emulator.X86;

/// <summary>
/// Firmware emulated at a high level: code the CPU calls instead of executing guest instructions at the trap
/// addresses given to <see cref="X86Cpu.AddFirmwareTrap"/> (a BIOS's interrupt entry points). Called at most
/// once per arrival, before the instruction at the trap executes; never per instruction elsewhere.
/// </summary>
public interface IX86Firmware
{
    /// <summary>
    /// Performs the service behind trap <paramref name="linear"/> on <paramref name="cpu"/>'s registers and
    /// guest memory. It must leave CS, RIP and the CPU mode as they are (the instruction at the trap runs
    /// next); to refuse, it ends the run with <see cref="X86Cpu.RequestStop"/>.
    /// </summary>
    void Service(X86Cpu cpu, ulong linear);
}
