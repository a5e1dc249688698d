using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Emulator.X86.Tier2.HostCode;

/// <summary>
/// CLI in host code: the Linux kernel disables interrupts through <c>pv_native_irq_disable</c> and the IRQ-saving spin
/// locks some 125,000 times on the PVH boot to /init, each an entry refused and a visit to the run loop while it had no
/// host form. STI stays with the interpreter, which opens its one-instruction interrupt shadow.
/// </summary>
internal sealed partial class HostTranslator
{
    /// <summary>
    /// CLI: IF cleared in the state block's rest of RFLAGS when CPL ≤ IOPL; otherwise it leaves, and the interpreter raises
    /// #GP (SDM Vol. 2A CLI; <c>SystemInstructions.Cli</c>). In 64-bit mode nothing else applies: VME and PVI are for
    /// virtual-8086 mode and CPL 3 with IOPL below 3 (which leaves here).
    /// </summary>
    private void EmitCli(in GuestNode n)
    {
        SaveFlags();
        _hostFlags = false;
        _a.mov(rax, __qword_ptr[r12 + HostState.FlagsRest * 8]);
        _a.mov(ecx, eax);
        _a.shr(ecx, 12);
        _a.and(ecx, 3); // IOPL
        _a.cmp(__qword_ptr[r12 + HostState.Cpl * 8], rcx);
        _a.ja(ExitLabel(n.Rip, Behind(in n)));
        _a.and(rax, ~(int)FlagBits.IF);
        _a.mov(__qword_ptr[r12 + HostState.FlagsRest * 8], rax);
    }
}
