using LoaderHarness.Emulator.Core.HostCode;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Emulator.X86.Tier2.HostCode;

/// <summary>
/// CLI and STI in host code: the Linux kernel turns interrupts off and on through <c>pv_native_irq_disable</c> and
/// <c>pv_native_irq_enable</c> and the IRQ-saving spin locks some 200,000 times on the PVH boot to /init, each an entry
/// refused and a visit to the run loop while they had no host form.
/// </summary>
internal sealed partial class HostTranslator
{
    /// <summary>
    /// CLI and STI (SDM Vol. 2A CLI, Vol. 2B STI; <c>SystemInstructions.Cli</c>, <c>Sti</c>): IF cleared or set in the state
    /// block's rest of RFLAGS when CPL ≤ IOPL; otherwise they leave, and the interpreter raises #GP. In 64-bit mode nothing
    /// else applies: VME and PVI are for virtual-8086 mode and CPL 3 with IOPL below 3 (which leaves here). STI that sets
    /// IF holds off interrupts until after the next instruction; INTR cannot change while host code runs (devices move on
    /// between its runs), so with INTR low at entry there is nothing to hold off, and with INTR high (the entry's chain
    /// epoch <see cref="HostChain.Off"/>) STI leaves and the interpreter opens the shadow and takes the interrupt after it.
    /// </summary>
    private void EmitInterruptFlag(in GuestNode n)
    {
        var leave = ExitLabel(n.Rip, Behind(in n));
        SaveFlags();
        _flags.InHost = false;
        _a.mov(rax, __qword_ptr[r12 + HostState.FlagsRest * 8]);
        _a.mov(ecx, eax);
        _a.shr(ecx, 12);
        _a.and(ecx, 3); // IOPL
        _a.cmp(__qword_ptr[r12 + HostState.Cpl * 8], rcx);
        _a.ja(leave);
        if (n.Op == GuestOp.Cli)
            _a.and(rax, ~(int)FlagBits.IF);
        else
        {
            var set = _a.CreateLabel();
            _a.test(eax, (int)FlagBits.IF);
            _a.jnz(set); // already set: no shadow, nothing changes
            _a.cmp(__qword_ptr[r12 + HostState.ChainEpoch * 8], (int)HostChain.Off);
            _a.je(leave);
            _a.or(rax, (int)FlagBits.IF);
            _a.Label(ref set);
        }
        _a.mov(__qword_ptr[r12 + HostState.FlagsRest * 8], rax);
    }
}
