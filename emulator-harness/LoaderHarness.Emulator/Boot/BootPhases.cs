namespace LoaderHarness.Emulator.Boot;

/// <summary>
/// Where a <c>boot</c> run's wall time went, phase by phase, so a user sees what to blame: the process and
/// runtime start-up, loading the kernel into guest memory, recovering its symbols, the engine's run, and the
/// verdicts and the report. <see cref="KernelBoot"/> measures load, symbols, run and its part of the report; a
/// front end adds its own start-up and rendering.
/// </summary>
public sealed record BootPhases
{
    /// <summary>Process start to the command starting (runtime start-up and argument parsing); zero when not measured.</summary>
    public TimeSpan StartUp { get; init; }
    /// <summary>Parsing the image and placing it, the initrd and the boot structures in guest memory, and the vCPU setup.</summary>
    public TimeSpan Load { get; init; }
    /// <summary>Recovering the kernel's symbols (kallsyms or a System.map's table) and looking up the ones the run needs.</summary>
    public TimeSpan Symbols { get; init; }
    /// <summary>The engine's run to the milestone (<see cref="BootReport.WallTime"/>).</summary>
    public TimeSpan Run { get; init; }
    /// <summary>The contract verdicts on the run and the readback, and rendering the report.</summary>
    public TimeSpan Report { get; init; }
}
