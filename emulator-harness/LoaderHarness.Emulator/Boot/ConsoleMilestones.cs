using System.Diagnostics;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Boot;

/// <summary>
/// The milestones a boot reads off the kernel's console, either architecture: the first complete line
/// (<c>console</c>), "Run /init as init process" (<c>init</c>, printed by run_init_process in init/main.c just
/// before the exec), and the end of the machine (<c>shutdown</c>): "reboot: Power down", "reboot: System
/// halted", "reboot: Restarting system" (kernel/reboot.c kernel_power_off, kernel_halt, kernel_restart) or
/// "Kernel panic - not syncing" (kernel/panic.c). Fed one completed line at a time by the session that owns
/// the console device.
/// </summary>
public sealed class ConsoleMilestones
{
    /// <summary>The <c>--until</c> name of the first complete console line.</summary>
    public const string Console = "console";
    /// <summary>The <c>--until</c> name of "Run /init as init process".</summary>
    public const string Init = "init";
    /// <summary>The <c>--until</c> name of power-off, halt, restart or panic.</summary>
    public const string Shutdown = "shutdown";

    private readonly Func<ulong> _instructions;
    private readonly Func<ulong> _pc;
    private readonly Stopwatch _clock;
    private readonly TextWriter? _echo;
    private readonly List<BootMilestone> _reached = [];

    /// <summary>Milestones read from lines passed to <see cref="OnLine"/>; <paramref name="echo"/> gets every line as it completes.</summary>
    public ConsoleMilestones(Func<ulong> instructions, Func<ulong> pc, Stopwatch clock, TextWriter? echo)
    {
        _instructions = instructions;
        _pc = pc;
        _clock = clock;
        _echo = echo;
    }

    /// <summary>Whether <paramref name="until"/> names a console milestone rather than a kernel symbol.</summary>
    public static bool IsMilestoneName(string until) => until is Console or Init or Shutdown;

    /// <summary>The milestones reached so far, in order.</summary>
    public IReadOnlyList<BootMilestone> Reached => _reached;

    /// <summary>The last complete console line, or null.</summary>
    public string? LastLine { get; private set; }

    /// <summary>How the machine ended (<see cref="StopReason.PowerOff"/>, <see cref="StopReason.Halt"/>, <see cref="StopReason.Reset"/>, <see cref="StopReason.Panic"/>), once the console said so.</summary>
    public StopReason? ShutdownReason { get; private set; }

    /// <summary>Raised when a milestone is reached (the session stops the CPU when it is the one asked for).</summary>
    public event Action<BootMilestone>? MilestoneReached;

    /// <summary>Takes one completed console line (without its line end).</summary>
    public void OnLine(string line)
    {
        _echo?.WriteLine(line);
        LastLine = line;
        if (_reached.Count == 0)
            Add(BootMilestoneKind.Console, Console, line);
        if (line.Contains("Run /init as init process", StringComparison.Ordinal))
            Add(BootMilestoneKind.Init, Init, line);
        if (ShutdownReason is null && ShutdownOf(line) is { } reason)
        {
            ShutdownReason = reason;
            Add(BootMilestoneKind.Shutdown, Shutdown, line);
        }
    }

    /// <summary>The stop reason a console line announces, or null.</summary>
    public static StopReason? ShutdownOf(string line) =>
        line.Contains("reboot: Power down", StringComparison.Ordinal) ? StopReason.PowerOff
        : line.Contains("reboot: System halted", StringComparison.Ordinal) ? StopReason.Halt
        : line.Contains("reboot: Restarting system", StringComparison.Ordinal) ? StopReason.Reset
        : line.Contains("Kernel panic - not syncing", StringComparison.Ordinal) ? StopReason.Panic
        : null;

    private void Add(BootMilestoneKind kind, string name, string line)
    {
        if (kind != BootMilestoneKind.Shutdown && _reached.Exists(m => m.Name == name))
            return;
        var milestone = new BootMilestone(kind, name, _pc(), _instructions()) { Elapsed = _clock.Elapsed, Line = line };
        _reached.Add(milestone);
        MilestoneReached?.Invoke(milestone);
    }
}
