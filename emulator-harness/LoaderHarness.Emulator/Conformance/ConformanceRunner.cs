using System.Diagnostics;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Conformance;

/// <summary>
/// Runs one case: loader → vCPU setup (→ the mutant's fault) → entry contracts → the kernel's own code in the
/// engine, recording its reads of the boot structure → after-run contracts.
/// </summary>
public static class ConformanceRunner
{
    /// <summary>Runs <paramref name="c"/>, with <paramref name="mutant"/> injected if given (the caller checks it applies).</summary>
    public static CaseReport Run(ConformanceCase c, Mutant? mutant = null)
    {
        var clock = Stopwatch.StartNew();
        using var memory = GuestMemory.Flat(c.MemorySize);
        BootCase boot;
        try
        {
            boot = Prepare(c, memory);
        }
        catch (LoaderException e)
        {
            return new CaseReport { Case = c, Mutant = mutant, SetupError = $"{e.Code}: {e.Message}", Elapsed = clock.Elapsed };
        }

        var (cpu, guest) = (boot.Cpu, boot.Guest);
        mutant?.Inject(boot);
        var results = new List<ContractResult>(ContractCatalogue.Evaluate(boot, ContractPhase.Entry));
        cpu.WatchPhysical(guest.BootStructureAddress, (ulong)guest.BootStructure.Length);
        boot.Run = cpu.Run(c.Budget);
        results.AddRange(ContractCatalogue.Evaluate(boot, ContractPhase.AfterRun));
        return new CaseReport
        {
            Case = c,
            Mutant = mutant,
            Results = results,
            Run = boot.Run,
            Console = cpu.DebugConsole.Text,
            Elapsed = clock.Elapsed,
        };
    }

    /// <summary>Whether <paramref name="mutant"/> makes sense for <paramref name="c"/> (set up without running anything).</summary>
    public static bool Applies(ConformanceCase c, Mutant mutant)
    {
        using var memory = GuestMemory.Flat(c.MemorySize);
        try
        {
            return mutant.AppliesTo(Prepare(c, memory));
        }
        catch (LoaderException)
        {
            return false;
        }
    }

    /// <summary>The guest as the profile's VMM leaves it at the first instruction.</summary>
    private static BootCase Prepare(ConformanceCase c, GuestMemory memory)
    {
        var guest = GuestSetup.Run(memory, c.Profile.Configure(new GuestSetupRequest
        {
            Kernel = c.Image,
            Initrd = c.Initrd,
            CommandLine = c.CommandLine,
            Protocol = c.Protocol,
        }));
        var cpu = new X86Cpu(memory);
        X86VcpuSetup.Apply(cpu, guest, c.Profile);
        return new BootCase(cpu, guest, c.Profile);
    }
}
