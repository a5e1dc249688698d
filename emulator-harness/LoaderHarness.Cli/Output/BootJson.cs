using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Contracts;

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
        var facts = new Facts()
            .Add("architecture", JsonNames.Of(r.Architecture))
            .Add("protocol", JsonNames.Of(r.Protocol))
            .Add("profile", r.Profile)
            .Add("until", r.Until)
            .Add("milestone", r.Milestone ?? "none")
            .Add("reached", r.Reached)
            .Add("stopReason", JsonNames.Of(r.StopReason));
        Address(facts, "stopPc", r.StopPc, json)
            .Add("stopSymbol", r.StopLocation)
            .Add("stopDetail", r.StopDetail)
            .Add("instructions", (long)r.Instructions)
            .Add("wallSeconds", JsonNames.Seconds(r.WallTime));
        Address(facts, "kernelLoad", r.KernelLoad, json);
        Address(facts, "bootStructure", r.BootStructureAddress, json);
        Address(facts, "kernelPhysical", r.KernelPhysical, json);
        Address(facts, "virtualOffset", r.VirtualOffset, json);
        Address(facts, "linkAddress", r.LinkAddress, json);
        return facts
            .Add("milestones", r.Milestones.Select(m => Address(new Facts().Add("kind", JsonNames.Of(m.Kind)).Add("name", m.Name), "pc", m.Address, json)
                .Add("instructions", (long)m.Instructions).Add("seconds", JsonNames.Seconds(m.Elapsed)).Add("line", m.Line)).ToArray())
            .Add("lastConsoleLine", r.LastConsoleLine)
            .Add("console", r.Console)
            .Add("verdicts", r.Contracts.Where(c => c.Verdict != ContractVerdict.NotApplicable).Select(c => new Facts()
                .Add("id", c.Contract.Id)
                .Add("verdict", c.Verdict == ContractVerdict.Pass ? "pass" : c.IsViolation ? "fail" : "advisory")
                .Add("detail", c.Detail)).ToArray())
            .Add("readback", r.Readback is { } readback ? Readback(readback, json) : null);
    }

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

    private static Facts Readback(KernelReadback r, bool json)
    {
        var facts = new Facts().Add("bootCommandLine", r.BootCommandLine);
        if (r.X86 is { } x86)
        {
            facts.Add("e820", x86.E820.Select(e => Address(new Facts(), "address", e.Address, json).Add("size", e.Size).Add("type", JsonNames.Of(e.Type))).ToArray())
                .Add("ramdisk", Address(new Facts(), "address", x86.Ramdisk.Address, json).Add("size", x86.Ramdisk.Size))
                .Add("typeOfLoader", x86.TypeOfLoader)
                .Add("protocolVersion", x86.ProtocolVersion);
            Address(facts, "physBase", x86.PhysBase, json);
        }
        if (r.Arm64 is { } arm64)
        {
            facts.Add("bootArgs", arm64.BootArgs);
            Address(facts, "bootArgsAddress", arm64.BootArgsAddress, json);
            Address(facts, "fdtPointer", arm64.FdtPointer, json);
            Address(facts, "fdtPointerAddress", arm64.FdtPointerAddress, json);
            Address(facts, "bootCommandLineAddress", arm64.BootCommandLineAddress, json);
        }
        return facts;
    }

    /// <summary>Adds an address: a number (hex in text), and in JSON its <c>...Hex</c> twin for humans.</summary>
    private static Facts Address(Facts facts, string name, ulong? value, bool json)
    {
        facts.Add(name, value);
        if (json && value is { } v)
            facts.Add(name + "Hex", JsonNames.Hex(v));
        return facts;
    }
}
