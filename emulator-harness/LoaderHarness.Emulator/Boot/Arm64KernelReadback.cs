namespace LoaderHarness.Emulator.Boot;

/// <summary>
/// What an arm64 kernel recorded about its boot, read from its own globals (boot-contracts §6.4). The
/// globals are located by what the code does, not by name (kallsyms has code symbols only).
/// </summary>
public sealed record Arm64KernelReadback
{
    /// <summary><c>boot_args[0..3]</c>: x0–x3 at entry as <c>preserve_boot_args</c> stored them; null if not reached.</summary>
    public IReadOnlyList<ulong>? BootArgs { get; init; }

    /// <summary>Physical address of <c>boot_args</c>: the four consecutive 64-bit stores <c>preserve_boot_args</c> made.</summary>
    public ulong? BootArgsAddress { get; init; }

    /// <summary><c>__fdt_pointer</c> as <c>__primary_switched</c> stored it (read at <c>start_kernel</c>); null if not reached.</summary>
    public ulong? FdtPointer { get; init; }

    /// <summary>Physical address of <c>__fdt_pointer</c>: the 64-bit store of x0-at-entry <c>__primary_switched</c> made.</summary>
    public ulong? FdtPointerAddress { get; init; }

    /// <summary><c>boot_command_line</c> once <c>setup_arch</c> copied <c>/chosen/bootargs</c> into it; null before.</summary>
    public string? BootCommandLine { get; init; }

    /// <summary>Physical address of <c>boot_command_line</c>: where the copy of the command line lies inside the Image.</summary>
    public ulong? BootCommandLineAddress { get; init; }
}
