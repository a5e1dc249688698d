using System.Diagnostics;
using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Traces;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Tests.Emulator.Boot;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Traces;

/// <summary>
/// The engine against QEMU 7.2 itself, instruction by instruction: Debian's 6.1 vmlinux entered at its PVH entry
/// (pvh_start_xen) by QEMU's own PVH path (<c>-M pc -kernel vmlinux</c>: pvh.bin sets up the entry) and by the
/// engine with the qemu profile, both traced in QEMU's <c>-d in_asm,cpu</c> layout (one instruction per block),
/// aligned by <c>trace-diff</c>. The entry path runs from 32-bit protected mode through the kernel's own GDT,
/// page tables, EFER.LME and CR0.PG into 64-bit mode and xen_prepare_pvh, up to where the kernel first acts on
/// CPUID values (the hypervisor signature of xen_cpuid_base), which differ between QEMU's CPU model and ours.
/// </summary>
[TestFixture]
[Category("RealKernel")]
public sealed class QemuTraceDiffRealKernelTests
{
    /// <summary>Instructions that must agree from pvh_start_xen: the whole entry path before CPUID-derived values reach a register.</summary>
    private const int Aligned = 80;

    /// <summary>QEMU dumps to collect: more than <see cref="Aligned"/>, as every REP iteration is a dump of its own.</summary>
    private const int QemuDumps = 400;

    /// <summary>
    /// The normalisations, each for state that is the VMM's or the CPU model's choice, not the kernel's:
    /// <list type="bullet">
    /// <item>rax, rcx, rdx, rsi, rdi, rbp, rsp, rflags: the PVH ABI defines only EBX, CR0, CR4, CS, DS/ES/SS and TR
    /// at entry (xen/include/public/arch-x86/hvm/start_info.h: "All other registers ... are unspecified"); pvh.bin
    /// leaves its own values there. Each is compared from the first instruction where both hold the same value,
    /// i.e. once the kernel has set it.</item>
    /// <item>rbx: the start_info address, where each VMM chose to put it (QEMU's pvh.bin in its own memory, the
    /// engine at the profile's boot-structure address).</item>
    /// <item>gdt.*, idt.*: not part of the PVH entry state; the kernel's second instruction loads its own GDT.</item>
    /// <item>cs.flags: the code segment's accessed bit; QEMU keeps it as the descriptor had it, the engine records
    /// it set (SDM Vol. 3A §3.4.5.1: the processor sets it on loading). The mode it carries (L, D) shows in the
    /// dump's layout and the addresses, which are compared.</item>
    /// <item>after cpuid, rax, rbx, rcx, rdx: QEMU's CPU model (qemu64, hypervisor signature "TCGTCGTCGTCG")
    /// and the engine's ("LdrHarnessVM") answer differently by design.</item>
    /// </list>
    /// REP iterations that QEMU logs one by one are folded by the reader (TraceReader), and QEMU's lazy-flag
    /// operands CCS/CCD/CCO are not architectural state.
    /// </summary>
    public static TraceDiffOptions Normalisations { get; } = new()
    {
        UntilEqual = ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "rflags"],
        Ignore = ["gdt.*", "idt.*", "cs.flags"],
        ResyncAfter = new Dictionary<string, IReadOnlyList<string>> { ["cpuid"] = ["rax", "rbx", "rcx", "rdx"] },
    };

    [Test]
    public void The_engine_and_qemu_agree_on_the_pvh_entry_path_of_debians_kernel()
    {
        var qemu = QemuTrace();
        var ours = EngineTrace(DebianBoot.Vmlinux);

        var result = TraceDiff.Compare(() => Read(ours), () => Read(qemu), Normalisations with { Limit = Aligned });

        result.Start.ShouldBe(PvhStartXen, "both traces start at the ELF note's XEN_ELFNOTE_PHYS32_ENTRY");
        result.Divergence.ShouldBeNull(Describe(result));
        result.Agreed.ShouldBe(Aligned);
    }

    [Test]
    public void A_seeded_divergence_in_a_real_trace_is_found_at_its_instruction()
    {
        var ours = EngineTrace(DebianBoot.Vmlinux);
        var records = Read(ours).ToList();
        const int seeded = 37;
        // Change ESI in the 37th dump: the instruction before it "computed" a different value.
        var target = records[seeded];
        var lines = ours.Split('\n');
        var dumpLine = Array.FindLastIndex(lines, (int)target.Line - 1, l => l.StartsWith("RSI=", StringComparison.Ordinal) || l.StartsWith("ESI=", StringComparison.Ordinal));
        lines[dumpLine] = lines[dumpLine][..4] + new string('f', lines[dumpLine].IndexOf(' ', StringComparison.Ordinal) - 4) + lines[dumpLine][lines[dumpLine].IndexOf(' ', StringComparison.Ordinal)..];
        var seededTrace = string.Join('\n', lines);

        var d = TraceDiff.Compare(() => Read(ours), () => Read(seededTrace)).Divergence.ShouldNotBeNull();

        d.A.Index.ShouldBe(seeded);
        d.Registers.ShouldBe(["rsi"]);
        d.PreviousA!.Pc.ShouldBe(records[seeded - 1].Pc);
    }

    /// <summary>pvh_start_xen's physical address (Debian 6.1's System.map: ffffffff81000850 - __START_KERNEL_map + 0x1000000 load).</summary>
    private const ulong PvhStartXen = 0x100_0850;

    private static IEnumerable<TraceRecord> Read(string text) => TraceReader.Read(new StringReader(text));

    private static string Describe(TraceDiffResult r) => r.Divergence is { } d
        ? $"diverged after {r.Agreed} at 0x{d.A.Pc:x} ({d.PreviousA?.Instruction} before): {string.Join(", ", d.Registers.Select(n => $"{n} {d.A.Registers[n]} vs {d.B.Registers[n]}"))}; b at 0x{d.B.Pc:x}"
        : $"agreed {r.Agreed}";

    /// <summary>The engine's trace from the PVH entry under the qemu profile, in QEMU's layout.</summary>
    private static string EngineTrace(byte[] vmlinux)
    {
        var trace = new StringWriter();
        KernelBoot.Run(vmlinux, new KernelBootOptions
        {
            Profile = VmmProfiles.Find("qemu"),
            Protocol = BootProtocol.Pvh,
            MaxInstructions = QemuDumps,
            Trace = trace,
            TraceFormat = TraceFormat.Qemu,
        });
        return trace.ToString();
    }

    /// <summary>
    /// QEMU's own log of the same vmlinux: i440FX PC, TCG, one instruction per block (-singlestep), every
    /// execution dumped (nochain), logging limited to the kernel's physical and virtual text (-dfilter) so the
    /// firmware's millions of instructions are not logged. QEMU writes the log to stderr; it is read until
    /// <see cref="QemuDumps"/> dumps have come and QEMU is stopped.
    /// </summary>
    private static string QemuTrace()
    {
        var binary = Prerequisite.RequireTool("qemu-system-x86_64", "qemu-system-x86");
        var vmlinux = Path.Combine(Path.GetTempPath(), $"loaderharness-trace-{Environment.ProcessId}.vmlinux");
        File.WriteAllBytes(vmlinux, DebianBoot.Vmlinux);
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in (string[])["-M", "pc", "-m", "1G", "-display", "none", "-nodefaults", "-no-reboot", "-accel", "tcg",
                     "-kernel", vmlinux, "-singlestep", "-d", "in_asm,cpu,nochain",
                     "-dfilter", "0x1000000+0x3000000,0xffffffff81000000+0x3000000"])
            start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {binary}");
        var log = new System.Text.StringBuilder();
        var dumps = 0;
        try
        {
            var deadline = Stopwatch.StartNew();
            while (dumps < QemuDumps && process.StandardError.ReadLine() is { } line)
            {
                log.Append(line).Append('\n');
                if (line.StartsWith("EFER=", StringComparison.Ordinal))
                    dumps++;
                deadline.Elapsed.ShouldBeLessThan(TimeSpan.FromMinutes(2), "QEMU took too long to reach the kernel");
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            File.Delete(vmlinux);
        }
        dumps.ShouldBe(QemuDumps, $"QEMU ended early: {log.ToString()[..Math.Min(log.Length, 2000)]}");
        return log.ToString();
    }
}
