namespace LoaderHarness.Emulator.Core;

/// <summary>
/// What <see cref="SoftMmu"/> needs from a CPU on a TLB miss: its page walk and the facts around it.
/// Implemented by a small struct wrapping the CPU, so each CPU's slow path is compiled for it and the walk
/// is a direct call (no interface dispatch).
/// </summary>
internal interface IAddressTranslator
{
    /// <summary>Translates <paramref name="address"/> for an access of <paramref name="kind"/>, raising the architecture's fault into the guest when it fails.</summary>
    /// <param name="address">Virtual (x86 linear) address.</param>
    /// <param name="kind">What the access is for.</param>
    /// <param name="writable">Whether later writes to the page may skip the walk (x86: writable and dirty already set).</param>
    ulong Translate(ulong address, AccessKind kind, out bool writable);

    /// <summary>
    /// The size of the mapping the last <see cref="Translate"/> found, as a shift (12 for a 4 KiB page, 21 for a 2 MiB
    /// block ...): the TLB entry filled from it holds only its own page, but a TLB maintenance operation naming any address
    /// of that mapping drops it (<see cref="SoftMmu.FlushHolding"/>).
    /// </summary>
    int BlockShift { get; }

    /// <summary>The address after <paramref name="address"/> wraps to the current address width (x86 outside long mode: 32 bits).</summary>
    ulong Wrap(ulong address);

    /// <summary>The current instruction's address, for recorded accesses.</summary>
    ulong Pc { get; }

    /// <summary>Told after a write dropped decoded code (a CPU that chains decoded instructions must stop following stale links).</summary>
    void CodeInvalidated();
}
