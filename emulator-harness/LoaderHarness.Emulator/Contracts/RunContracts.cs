using LoaderHarness.Emulator.Core;
using static LoaderHarness.Emulator.Contracts.Contract;

namespace LoaderHarness.Emulator.Contracts;

/// <summary>Contracts on what the kernel did with what we loaded: how its run ended, what it reported and read.</summary>
public static class RunContracts
{
    /// <summary>The contracts.</summary>
    public static IReadOnlyList<Contract> All { get; } =
    [
        new("x86.run.no-early-fault", "the kernel's entry code ran without a triple fault, an unknown instruction, a fetch outside RAM or a fatal spin",
            "arch/x86/include/asm/bug.h (BUG → ud2 → triple fault with the VMM's empty IDT); arch/x86/kernel/head64.c __startup_64 (for(;;) on fatal boot errors)",
            ContractPhase.AfterRun, ContractSeverity.Required, b =>
            {
                if (b.Run is not { } run)
                    return Skip("not run");
                var bad = run.Reason is StopReason.TripleFault or StopReason.Unimplemented or StopReason.FetchOutsideRam or StopReason.SelfLoop or StopReason.InternalError;
                return Expect(!bad, run.ToString());
            }),
        new("x86.run.kernel-verdict", "the kernel reported success through the debug-exit port (value 0); its console says what it checked",
            "fixtures' entry stubs (they check the boot structures as Linux reads them); QEMU isa-debug-exit convention",
            ContractPhase.AfterRun, ContractSeverity.Required, b =>
            {
                if (b.Run is not { } run)
                    return Skip("not run");
                if (run.Reason != StopReason.ExitPort)
                    return Skip($"the kernel did not use the exit port ({run.Reason})");
                var console = b.Cpu.ConsoleText.TrimEnd().Replace('\n', ' ');
                return Expect(b.X86.DebugExit.Value == 0, $"exit value {b.X86.DebugExit.Value}: {console}");
            }),
        new("x86.run.read-boot-structure", "the kernel read the boot structure we wrote (proves it consumed our zero page / start_info / setup header)",
            "arch/x86/kernel/head_64.S startup_64, arch/x86/kernel/head64.c, arch/x86/platform/pvh/head.S (what the entry code reads)", ContractPhase.AfterRun, ContractSeverity.Required, b =>
            {
                if (b.Run is null)
                    return Skip("not run");
                var start = b.Structure;
                var end = start + (ulong)b.Guest.BootStructure.Length;
                var offsets = new SortedSet<ulong>();
                foreach (var access in b.Cpu.RecordedAccesses)
                    if (!access.IsWrite && access.Physical < end && start < access.Physical + (ulong)access.Size)
                        offsets.Add(access.Physical - start);
                var shown = string.Join(" ", offsets.Take(24).Select(o => $"+0x{o:x}")) + (offsets.Count > 24 ? " …" : "");
                return Expect(offsets.Count > 0, $"{offsets.Count} distinct offsets read in [0x{start:x}, 0x{end:x}): {shown}");
            }),
    ];
}
