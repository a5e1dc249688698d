namespace LoaderHarness.Emulator.Boot;

/// <summary>
/// What a kernel accepted from the loader, read back from its own memory at a milestone: the command line
/// it copied (both architectures), and the architecture's own records — <see cref="X86"/> (<c>boot_params</c>)
/// or <see cref="Arm64"/> (<c>boot_args</c>, <c>__fdt_pointer</c>).
/// </summary>
public sealed record KernelReadback
{
    /// <summary>
    /// <c>boot_command_line</c> up to its NUL: x86 after <c>copy_bootdata</c> (arch/x86/kernel/head64.c), arm64 once
    /// <c>setup_arch</c> copied <c>/chosen/bootargs</c> (drivers/of/fdt.c early_init_dt_scan_chosen); null before.
    /// </summary>
    public string? BootCommandLine { get; init; }
    /// <summary>The x86 records; null on arm64 or when not read.</summary>
    public X86KernelReadback? X86 { get; init; }
    /// <summary>The arm64 records; null on x86.</summary>
    public Arm64KernelReadback? Arm64 { get; init; }
}
