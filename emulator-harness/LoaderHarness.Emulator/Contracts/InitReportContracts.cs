using LoaderHarness.Loader.Boot.MemoryMap;
using static LoaderHarness.Emulator.Contracts.Contract;

namespace LoaderHarness.Emulator.Contracts;

/// <summary>
/// Contracts on what our fixture /init saw from user space (its <see cref="InitReport"/> line): it ran as pid 1
/// with /proc mounted, /proc/cmdline is the command line we loaded, /proc/iomem has one "System RAM" resource per
/// RAM range we described, and /proc/meminfo's MemTotal fits in that RAM. Not applicable to a run that ended
/// before /init printed its line, or whose initrd is not ours.
/// </summary>
public static class InitReportContracts
{
    private const string Source =
        "fs/proc/cmdline.c (saved_command_line); fs/proc/meminfo.c (MemTotal: totalram_pages); kernel/resource.c (/proc/iomem); " +
        "arch/x86/kernel/e820.c e820__reserve_resources; arch/arm64/kernel/setup.c request_standard_resources";

    /// <summary>The x86 contract: RAM is the usable e820 entries as the kernel sanitizes and trims them.</summary>
    public static IReadOnlyList<Contract> X86 { get; } = [Report("x86.log.init-report", "x86_64", X86Ram)];

    /// <summary>The arm64 contract: RAM is the DTB's /memory banks, merged as memblock merges them.</summary>
    public static IReadOnlyList<Contract> Arm64 { get; } = [Report("arm64.log.init-report", "arm64", DtbFacts.Memory)];

    /// <summary>
    /// The usable e820 ranges the kernel keeps: sanitized (e820__update_table), then less the first page and the
    /// legacy BIOS area [0xA0000, 0x100000) that arch/x86/kernel/setup.c trim_bios_range takes out of RAM.
    /// </summary>
    private static IReadOnlyList<(ulong Address, ulong Size)> X86Ram(BootCase b)
    {
        var ram = new List<(ulong Address, ulong Size)>();
        foreach (var entry in KernelLog.Sanitize(X86ReadbackContracts.HandedE820(b)))
        {
            if (entry.Type != MemoryType.Ram)
                continue;
            var (start, end) = (entry.Address, entry.End);
            foreach (var (holeStart, holeEnd) in new[] { (0UL, 0x1000UL), (0xA_0000UL, 0x10_0000UL) })
            {
                if (start < holeStart && holeStart < end)
                {
                    ram.Add((start, holeStart - start));
                    start = Math.Min(end, holeEnd);
                }
                else if (holeStart <= start && start < holeEnd)
                    start = Math.Min(end, holeEnd);
            }
            if (start < end)
                ram.Add((start, end - start));
        }
        return ram;
    }

    private static Contract Report(string id, string architecture, Func<BootCase, IReadOnlyList<(ulong Address, ulong Size)>> ram) =>
        new(id, "our /init ran as pid 1 and saw our command line in /proc/cmdline, our RAM ranges in /proc/iomem and a MemTotal within them",
            Source, ContractPhase.AfterRun, ContractSeverity.Required, b =>
            {
                if (b.Run is null)
                    return Skip("not run");
                if (InitReport.Find(b.Console) is not { } report)
                    return Skip($"no {InitReport.Marker} line: the run did not reach our /init's report");
                return Judge(report, architecture, b.Guest.CommandLine, ram(b));
            });

    /// <summary>Compares one /init report with what was loaded; the first disagreement fails.</summary>
    internal static (ContractVerdict, string) Judge(InitReport report, string architecture, string commandLine, IReadOnlyList<(ulong Address, ulong Size)> ram)
    {
        var ramKb = (long)(ram.Aggregate(0UL, (sum, r) => sum + r.Size) >> 10);
        if (report.Version != InitReport.FormatVersion || report.Architecture != architecture)
            return Fail($"v={report.Version} arch={report.Architecture} (expected v={InitReport.FormatVersion} arch={architecture})");
        if (report.Pid != 1 || report.ProcMount != 0)
            return Fail($"pid={report.Pid} proc={report.ProcMount} (expected /init as pid 1 with /proc mounted)");
        if (report.CommandLine != commandLine)
            return Fail($"/proc/cmdline \"{report.CommandLine}\" (expected \"{commandLine}\")");
        if (report.RamRanges != ram.Count)
            return Fail($"{report.RamRanges} \"System RAM\" ranges in /proc/iomem (expected {ram.Count})");
        // totalram_pages counts what the buddy allocator received: RAM less the kernel image, memblock reservations
        // and the like, so never more than the RAM described.
        if (report.MemTotalKb <= 0 || report.MemTotalKb > ramKb)
            return Fail($"MemTotal {report.MemTotalKb} kB (expected more than 0 and at most the {ramKb} kB of RAM described)");
        return Pass($"pid 1, /proc/cmdline \"{report.CommandLine}\", {report.RamRanges} RAM range(s), MemTotal {report.MemTotalKb} kB of {ramKb} kB");
    }
}
