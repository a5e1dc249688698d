using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Core.Tiering;

namespace LoaderHarness.Cli.Output;

/// <summary>
/// The facts <c>boot</c> reports, one shape for both architectures (README "boot --json"): camelCase names,
/// lowercase enum values, numbers as numbers with a parallel <c>...Hex</c> string for each address in JSON,
/// and one <c>readback</c> object whose architecture-specific fields appear when the kernel recorded them.
/// </summary>
internal static class BootJson
{
    public static Facts Describe(BootReport r, bool json)
    {
        var facts = ReportSchema.Start("boot", json)
            .Add("architecture", JsonNames.Of(r.Architecture))
            .Add("protocol", JsonNames.Of(r.Protocol))
            .Add("profile", r.Profile)
            .Add("until", r.Until)
            .Add("milestone", r.Milestone ?? "none")
            .Add("reached", r.Reached)
            .Add("stopReason", JsonNames.Of(r.StopReason))
            .Address("stopPc", r.StopPc)
            .Add("stopSymbol", r.StopLocation)
            .Add("stopDetail", r.StopDetail)
            .Add("instructions", (long)r.Instructions)
            .Add("wallSeconds", JsonNames.Seconds(r.WallTime))
            .Add("phase", r.StopPhase)
            .Add("budget", (long)Math.Min(r.Budget, long.MaxValue))
            .Add("suggestedBudget", r.SuggestedBudget is { } more ? (long)Math.Min(more, long.MaxValue) : null)
            .Add("hint", r.SuggestedBudget is { } next
                ? $"stopped by the budget of {r.Budget} instructions in the {r.StopPhase} at {r.StopLocation}; pass --max-instructions {next} to go further"
                : null)
            .Address("kernelLoad", r.KernelLoad)
            .Address("bootStructure", r.BootStructureAddress)
            .Address("kernelPhysical", r.KernelPhysical)
            .Address("virtualOffset", r.VirtualOffset)
            .Address("linkAddress", r.LinkAddress);
        return facts
            .Add("milestones", r.Milestones.Select(m => new Facts().Add("kind", JsonNames.Of(m.Kind)).Add("name", m.Name).Address("pc", m.Address)
                .Add("instructions", (long)m.Instructions).Add("seconds", JsonNames.Seconds(m.Elapsed)).Add("line", m.Line)).ToArray())
            .Add("lastConsoleLine", r.LastConsoleLine)
            .Add("console", r.Console)
            .Add("verdicts", r.Contracts.Where(c => c.Verdict != ContractVerdict.NotApplicable).Select(c => new Facts()
                .Add("id", c.Contract.Id)
                .Add("verdict", c.Verdict == ContractVerdict.Pass ? "pass" : c.IsViolation ? "fail" : "advisory")
                .Add("detail", c.Detail)).ToArray())
            .Add("readback", r.Readback is { } readback ? Readback(readback) : null)
            .Add("tiering", Tiering(r.Tiering));
    }

    private static Facts Tiering(RunTiering t) => new Facts()
        .Add("engine", t.Engine == EngineTier.Tiered ? "tiered" : "interpreter")
        .Add("background", t.Background)
        .Add("compiledBlocks", t.Statistics.Compiled)
        .Add("rejected", t.Statistics.Rejected)
        .Add("evicted", t.Statistics.Evicted)
        .Add("residentBlocks", t.Statistics.Resident)
        .Add("capacity", t.Statistics.Capacity)
        .Add("entries", t.Statistics.Entries)
        .Add("chained", t.Statistics.Chained)
        .Add("linked", t.Statistics.Linked)
        .Add("compiledInstructions", t.Statistics.Retired)
        .Add("jitMilliseconds", JsonNames.Milliseconds(t.JitTime));

    /// <summary>
    /// Adds <c>phases</c>: where the process's time went, each in milliseconds (startup: process start to the command;
    /// load; symbols; run; report). Last, because the report's own rendering is part of it.
    /// </summary>
    public static Facts AddPhases(Facts facts, BootPhases p) => facts.Add("phases", new Facts()
        .Add("startup", JsonNames.Milliseconds(p.StartUp))
        .Add("load", JsonNames.Milliseconds(p.Load))
        .Add("symbols", JsonNames.Milliseconds(p.Symbols))
        .Add("run", JsonNames.Milliseconds(p.Run))
        .Add("report", JsonNames.Milliseconds(p.Report)));

    private static Facts Readback(KernelReadback r)
    {
        var facts = new Facts().Add("bootCommandLine", r.BootCommandLine);
        if (r.X86 is { } x86)
        {
            facts.Add("e820", x86.E820.Select(e => new Facts().Address("address", e.Address).Add("size", e.Size).Add("type", JsonNames.Of(e.Type))).ToArray())
                .Add("ramdisk", new Facts().Address("address", x86.Ramdisk.Address).Add("size", x86.Ramdisk.Size))
                .Add("typeOfLoader", x86.TypeOfLoader)
                .Add("protocolVersion", x86.ProtocolVersion)
                .Address("physBase", x86.PhysBase);
        }
        if (r.Arm64 is { } arm64)
        {
            facts.Add("bootArgs", arm64.BootArgs)
                .Address("bootArgsAddress", arm64.BootArgsAddress)
                .Address("fdtPointer", arm64.FdtPointer)
                .Address("fdtPointerAddress", arm64.FdtPointerAddress)
                .Address("bootCommandLineAddress", arm64.BootCommandLineAddress);
        }
        return facts;
    }
}
