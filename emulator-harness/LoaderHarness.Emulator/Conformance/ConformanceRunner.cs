using System.Diagnostics;
using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Reports;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Conformance;

/// <summary>
/// Runs one case, either architecture: loader → vCPU setup for the profile (→ the mutant's fault) → entry
/// contracts → the kernel's own code in the engine, recording its reads of the boot structure → after-run
/// contracts.
/// </summary>
public static class ConformanceRunner
{
    /// <summary>Runs <paramref name="c"/>, with <paramref name="mutant"/> injected if given (the caller checks it <see cref="Applies"/>).</summary>
    public static CaseReport Run(ConformanceCase c, Mutant? mutant = null)
    {
        var clock = Stopwatch.StartNew();
        using var memory = c.Profile.CreateMemory(c.MemorySize);
        BootCase boot;
        try
        {
            var guest = GuestSetup.Run(memory, c.Profile.Configure(new GuestSetupRequest
            {
                Kernel = c.Image,
                Initrd = c.Initrd,
                CommandLine = c.CommandLine,
                Protocol = c.Protocol,
            }));
            if (c.Until is { } until)
                return RunKernel(c, mutant, memory, guest, until, clock);
            boot = new BootCase(VcpuSetup.Create(memory, guest, c.Profile, c.Engine), guest, c.Profile);
        }
        catch (LoaderException e)
        {
            return new CaseReport { Case = c, Mutant = mutant, SetupError = $"{e.Code}: {e.Message}", Elapsed = clock.Elapsed };
        }

        var (cpu, guestSetup) = (boot.Cpu, boot.Guest);
        mutant?.Inject(boot);
        var results = new List<ContractResult>(ContractCatalogue.Evaluate(boot, ContractPhase.Entry));
        cpu.WatchPhysical(guestSetup.BootStructureAddress, (ulong)guestSetup.BootStructure.Length);
        using (var guard = c.Timeout is null && c.MaxHostMemory is null ? null : new RunGuard(c.Timeout, c.MaxHostMemory))
        {
            guard?.Watch(cpu);
            boot.Run = cpu.Run(c.Budget ?? KernelBudget.KernelAllowance);
            if (guard is not null)
                boot.Run = guard.Apply(boot.Run.Value);
        }
        results.AddRange(ContractCatalogue.Evaluate(boot, ContractPhase.AfterRun));
        return new CaseReport
        {
            Case = c,
            Mutant = mutant,
            Results = results,
            Run = boot.Run,
            Console = cpu.ConsoleText,
            Map = GuestMap.Of(memory, guestSetup),
            Elapsed = clock.Elapsed,
        };
    }

    /// <summary>
    /// A real kernel: booted as <see cref="KernelBoot"/> does (devices, the decompressor followed, readback at
    /// <c>start_kernel</c>, the kernel-log contracts) to the case's milestone, whose verdict
    /// (<see cref="MilestoneContracts"/>) fails the case when the kernel never gets there.
    /// </summary>
    private static CaseReport RunKernel(ConformanceCase c, Mutant? mutant, GuestMemory memory, GuestSetupResult guest, string until, Stopwatch clock)
    {
        // A bad stop symbol or missing symbols throw LoaderException, which the caller turns into the case's setup error.
        var report = KernelBoot.Run(memory, guest, new KernelBootOptions
        {
            Profile = c.Profile,
            Until = until,
            MaxInstructions = c.Budget,
            Symbols = c.Symbols,
            Mutant = mutant,
            Engine = c.Engine,
            Timeout = c.Timeout,
            MaxHostMemory = c.MaxHostMemory,
        });
        return new CaseReport
        {
            Case = c,
            Mutant = mutant,
            Results = report.Contracts,
            Run = new RunResult(report.StopReason, report.StopPc, report.Instructions, report.StopDetail),
            Console = report.Console,
            Boot = report,
            Map = report.Map,
            Elapsed = clock.Elapsed,
        };
    }

    /// <summary>Whether <paramref name="mutant"/> makes sense for <paramref name="c"/>, decided from the case's facts without setting up a guest.</summary>
    public static bool Applies(ConformanceCase c, Mutant mutant) => mutant.Applies(c.Facts);
}
