using LoaderHarness.Emulator.Core;
using static LoaderHarness.Emulator.Contracts.Contract;

namespace LoaderHarness.Emulator.Contracts;

/// <summary>Contracts on what an arm64 kernel did with what we loaded: how its run ended, what it recorded and read.</summary>
public static class Arm64RunContracts
{
    private const string Setup = "arch/arm64/kernel/setup.c";

    /// <summary>The contracts.</summary>
    public static IReadOnlyList<Contract> All { get; } =
    [
        Run("arm64.run.no-early-fault", "the kernel's code ran without an unknown instruction, a fetch outside RAM, a fatal spin or a recursive exception",
            "arch/arm64/kernel/setup.c setup_machine_fdt (fixmap_remap_fdt failures spin in cpu_relax()); arch/arm64/include/asm/bug.h (BUG() is BRK)",
            b =>
            {
                if (b.Run is not { } run)
                    return Skip("not run");
                var bad = run.Reason is StopReason.Unimplemented or StopReason.FetchOutsideRam or StopReason.SelfLoop
                    or StopReason.RecursiveException or StopReason.InternalError;
                return Expect(!bad, run.ToString());
            }),
        Run("arm64.run.kernel-verdict", "the kernel reported success by PSCI SYSTEM_OFF (SYSTEM_RESET means a check failed); its console says what it checked",
            "fixtures' arm64 entry stub (it checks x0, the FDT magic and /chosen/bootargs as Linux reads them); Arm DEN0022 PSCI §5.10",
            b =>
            {
                if (b.Run is not { } run)
                    return Skip("not run");
                if (run.Reason is not (StopReason.PowerOff or StopReason.Reset))
                    return Skip($"the kernel did not end through PSCI ({run.Reason})");
                var console = b.Arm64.ConsoleText.TrimEnd().Replace('\n', ' ');
                return Expect(run.Reason == StopReason.PowerOff, $"{run.Reason}: {console}");
            }),
        Run("arm64.run.boot-args", "boot_args holds x0–x3 as entered: the DTB address, then three zeros",
            $"{Setup} (boot_args, \"x1-x3 nonzero in violation of boot protocol\"); arch/arm64/kernel/head.S preserve_boot_args",
            b => b.Readback?.Arm64?.BootArgs is { } args
                ? Expect(args[0] == b.Dtb && args[1] == 0 && args[2] == 0 && args[3] == 0, $"boot_args = {{{string.Join(", ", args.Select(a => $"0x{a:x}"))}}}, DTB at 0x{b.Dtb:x}")
                : Skip("boot_args not read back (preserve_boot_args not reached)")),
        Run("arm64.run.fdt-pointer", "__fdt_pointer, the DTB address the kernel maps, is where the loader put the DTB",
            $"{Setup} (__fdt_pointer, setup_machine_fdt); arch/arm64/kernel/head.S __primary_switched",
            b => b.Readback?.Arm64?.FdtPointer is { } pointer
                ? Expect(pointer == b.Dtb, $"__fdt_pointer = 0x{pointer:x}, DTB at 0x{b.Dtb:x}")
                : Skip("__fdt_pointer not read back (__primary_switched not reached)")),
        Run("arm64.run.boot-command-line", "boot_command_line is /chosen/bootargs as the loader wrote it",
            "drivers/of/fdt.c early_init_dt_scan_chosen (strscpy of bootargs, COMMAND_LINE_SIZE 2048)",
            b => b.Readback?.BootCommandLine is { } line
                ? Expect(line == b.Guest.CommandLine, $"boot_command_line \"{line}\", loader wrote \"{b.Guest.CommandLine}\"")
                : Skip("boot_command_line not read back (setup_arch not reached, or an empty command line)")),
        Run("arm64.run.read-dtb", "the kernel read the DTB we wrote (proves it consumed it)",
            "arch/arm64/kernel/setup.c setup_machine_fdt (fixmap_remap_fdt, early_init_dt_scan)",
            b =>
            {
                if (b.Run is null)
                    return Skip("not run");
                var size = (ulong)b.Guest.BootStructure.Length;
                var reads = b.Arm64.RecordedAccesses.Count(a => !a.IsWrite && a.Physical < b.Dtb + size && b.Dtb < a.Physical + (ulong)a.Size);
                return Expect(reads > 0, $"{reads} reads in [0x{b.Dtb:x}, +0x{size:x})");
            }),
    ];

    private static Contract Run(string id, string description, string source, Func<BootCase, (ContractVerdict, string)> check) =>
        new(id, description, source, ContractPhase.AfterRun, ContractSeverity.Required, check);
}
