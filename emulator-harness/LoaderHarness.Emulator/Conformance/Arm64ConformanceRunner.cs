using System.Diagnostics;
using LoaderHarness.Emulator.Arm64;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Conformance;

/// <summary>
/// Runs one arm64 case: loader → vCPU setup for the profile (→ the mutant's fault) → entry contracts → the
/// kernel's own code in the engine, recording its reads of the DTB → after-run contracts.
/// </summary>
public static class Arm64ConformanceRunner
{
    /// <summary>Runs <paramref name="image"/> under <paramref name="profile"/>, with <paramref name="mutant"/> injected if given.</summary>
    public static Arm64CaseReport Run(string kernel, ReadOnlyMemory<byte> image, VmmProfile profile, Arm64Mutant? mutant = null,
        string commandLine = "console=ttyAMA0 reboot=k panic=1", ulong memorySize = 256UL << 20, ulong budget = 1_000_000)
    {
        var clock = Stopwatch.StartNew();
        using var memory = new GuestMemory([new GuestRegion(profile.RamBase, memorySize)]);
        GuestSetupResult guest;
        try
        {
            guest = GuestSetup.Run(memory, new GuestSetupRequest { Kernel = image, CommandLine = commandLine, Protocol = BootProtocol.Arm64, Fdt = profile.RequireArm64().Layout });
        }
        catch (LoaderException e)
        {
            return new Arm64CaseReport { Kernel = kernel, Profile = profile, Mutant = mutant, SetupError = $"{e.Code}: {e.Message}", Elapsed = clock.Elapsed };
        }
        var cpu = new Arm64Cpu(memory);
        Arm64VcpuSetup.Apply(cpu, guest, profile);
        var boot = new Arm64BootCase(cpu, guest, profile);
        mutant?.Inject(boot);
        var results = new List<ContractResult>(ContractCatalogue.Evaluate(boot, ContractPhase.Entry));
        cpu.WatchPhysical(guest.BootStructureAddress, (ulong)guest.BootStructure.Length);
        boot.Run = cpu.Run(budget);
        results.AddRange(ContractCatalogue.Evaluate(boot, ContractPhase.AfterRun));
        return new Arm64CaseReport
        {
            Kernel = kernel,
            Profile = profile,
            Mutant = mutant,
            Results = results,
            Run = boot.Run,
            Console = cpu.Uart.Text,
            Elapsed = clock.Elapsed,
        };
    }
}
