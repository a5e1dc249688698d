namespace LoaderHarness.Emulator.X86;

/// <summary>
/// Unwinds from deep inside an instruction handler to the run loop when the guest takes a fault.
/// One instance per CPU is reused, so a fault allocates nothing; it never leaves <see cref="X86Cpu.Run"/>.
/// </summary>
internal sealed class GuestFault : Exception
{
    /// <summary>The exception vector.</summary>
    public int Vector { get; set; }

    /// <summary>The error code pushed with it, if the vector has one.</summary>
    public uint ErrorCode { get; set; }
}
