namespace LoaderHarness.Emulator.Boot;

/// <summary>
/// The arm64 part of a <see cref="KernelReadback"/>: what the kernel recorded in its own globals (arch/arm64/kernel/head.S,
/// setup.c). The globals are located by what the code does, not by name (kallsyms has code symbols only).
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

    /// <summary>Physical address of <c>boot_command_line</c>: where the copy of the command line lies inside the Image.</summary>
    public ulong? BootCommandLineAddress { get; init; }
}
