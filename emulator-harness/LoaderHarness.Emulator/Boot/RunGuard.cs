using System.Diagnostics;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Boot;

/// <summary>
/// The host's safety net around one guest run: a wall-clock limit and a cap on the process's resident
/// memory. A timer samples both every <see cref="Period"/> and asks the CPU to stop
/// (<see cref="StopReason.Timeout"/>, <see cref="StopReason.HostMemoryLimit"/>); <see cref="Apply"/> turns the
/// result of a run the stop interrupted, or of one that ended its slice after the limit passed, into that reason.
/// </summary>
public sealed class RunGuard : IDisposable
{
    /// <summary>How often the limits are sampled: the stop lands within this of the limit.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(50);

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TimeSpan? _timeout;
    private readonly long? _maxHostMemory;
    private readonly Timer _timer;
    private IGuestCpu? _cpu;

    /// <summary>Starts the clock; the CPU to stop is given by <see cref="Watch"/>.</summary>
    /// <param name="timeout">The wall-clock limit, or null for none.</param>
    /// <param name="maxHostMemory">The most resident memory (bytes, the whole process, guest RAM included), or null for none.</param>
    public RunGuard(TimeSpan? timeout, long? maxHostMemory)
    {
        _timeout = timeout;
        _maxHostMemory = maxHostMemory;
        _timer = new Timer(_ => Sample(), null, Period, Period);
    }

    /// <summary>Why the guard stopped the run, or null while the limits hold.</summary>
    public StopReason? Expired { get; private set; }

    /// <summary>What was exceeded, for the report.</summary>
    public string? Detail { get; private set; }

    /// <summary>The CPU to stop when a limit is exceeded.</summary>
    public void Watch(IGuestCpu cpu)
    {
        _cpu = cpu;
        if (Expired is { } reason)
            Stop(cpu, reason);
    }

    /// <summary>The run's result, or the guard's own stop when a limit was exceeded and the run did not end otherwise.</summary>
    public RunResult Apply(RunResult result)
    {
        Sample();
        return Expired is { } reason && result.Reason is StopReason.Budget or StopReason.Timeout or StopReason.HostMemoryLimit
            ? result with { Reason = reason, Detail = Detail }
            : result;
    }

    private void Sample()
    {
        if (Expired is not null)
            return;
        if (_timeout is { } timeout && _clock.Elapsed >= timeout)
            Expire(StopReason.Timeout, $"the run passed its wall-clock limit of {timeout.TotalSeconds:0.###} s");
        else if (_maxHostMemory is { } cap && Environment.WorkingSet > cap)
            Expire(StopReason.HostMemoryLimit, $"the process's resident memory ({Environment.WorkingSet >> 20} MiB) passed the cap of {cap >> 20} MiB");
    }

    private void Expire(StopReason reason, string detail)
    {
        Detail = detail;
        Expired = reason;
        if (_cpu is { } cpu)
            Stop(cpu, reason);
    }

    private void Stop(IGuestCpu cpu, StopReason reason)
    {
        switch (cpu)
        {
            case X86.X86Cpu x86:
                x86.RequestStop(reason, Detail);
                break;
            case Arm64.Arm64Cpu arm64:
                arm64.RequestStop(reason, Detail);
                break;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _timer.Dispose();
}
