namespace LoaderHarness.Emulator.Vcpu;

/// <summary>The CPU mode a VMM starts an x86 kernel in, one per boot protocol entry.</summary>
public enum X86EntryMode
{
    /// <summary>16-bit real mode at the setup code (boot.rst "Running the Kernel").</summary>
    Real,
    /// <summary>32-bit protected mode, paging off, ESI = zero page (boot.rst "32-bit Boot Protocol").</summary>
    Protected32,
    /// <summary>64-bit long mode with identity paging, RSI = zero page (boot.rst "64-bit Boot Protocol").</summary>
    Long64,
    /// <summary>32-bit protected mode, paging off, EBX = hvm_start_info (xen/include/public/arch-x86/hvm/start_info.h).</summary>
    Pvh,
}
