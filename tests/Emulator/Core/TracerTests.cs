using LoaderHarness.Emulator.Core;
using LoaderHarness.Tests.Emulator.Arm64;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Core;

/// <summary>One trace line format for both architectures: symbol line, address, encoding, disassembly.</summary>
[TestFixture]
public class TracerTests
{
    [Test]
    public void Arm64_lines_carry_the_word_and_capstone_text_with_absolute_branch_targets()
    {
        using var m = new Arm64TestMachine();
        var output = new StringWriter();
        m.Cpu.Tracer = new Tracer(output, address => address == Arm64TestMachine.CodeBase ? "_start" : null);

        m.Run("mov x0, #1\n b 1f\n 1:");

        // Indented lines carry the registers that changed before each instruction (all of them before the first).
        var all = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var lines = all.Where(l => !l.StartsWith("  ", StringComparison.Ordinal)).Select(l => l.Trim()).ToArray();
        all.Where(l => l.StartsWith("  ", StringComparison.Ordinal)).Select(l => l.Trim()).Skip(1).ShouldBe(["x0=1"],
            "after the first full line only MOVZ's result: B and WFI change no register, the PC is the next line's address");
        const ulong At = Arm64TestMachine.CodeBase;
        lines.ShouldBe([
            "<_start>:",
            $"{At:x16}  {"d2800020",-16}  movz x0, #0x1", // Capstone names the alias by its encoding
            $"{At + 4:x16}  {"14000001",-16}  b #0x{At + 8:x}",
            $"{At + 8:x16}  {"d503207f",-16}  wfi",
        ]);
    }

    [Test]
    public void Symbolized_pc_names_the_current_instruction_on_either_cpu()
    {
        using var m = new Arm64TestMachine();
        IGuestCpu cpu = m.Cpu;
        cpu.Pc = Arm64TestMachine.CodeBase + 8;
        cpu.DescribePc().ShouldBe($"0x{Arm64TestMachine.CodeBase + 8:x}");
        cpu.Symbolizer = address => $"start_kernel+0x{address - Arm64TestMachine.CodeBase:x}";
        cpu.DescribePc().ShouldBe("start_kernel+0x8");
        cpu.Architecture.ShouldBe(GuestArchitecture.Arm64);
    }

    [Test]
    public void Arm64_qemu_layout_is_aarch64_cpu_dump_state()
    {
        using var m = new Arm64TestMachine();
        var output = new StringWriter();
        m.Cpu.Tracer = new Tracer(output, format: TraceFormat.Qemu);

        m.Run("mov x0, #1");

        var lines = output.ToString().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        const ulong At = Arm64TestMachine.CodeBase;
        lines[0].ShouldBe("----------------");
        lines[1].ShouldBe("IN: ");
        // cap_dump_insn_units: the word as one "%08x " unit, then " %-8s %s" (as QEMU 7.2 logs "580000c0  ldr      x0, #0x40000018").
        lines[2].ShouldBe($"0x{At:x8}:  d2800020  movz     x0, #0x1");
        lines[3].ShouldBe("");
        lines[4].ShouldBe($" PC={At:x16} X00=0000000000000000 X01=0000000000000000");
        lines[5].ShouldBe("X02=0000000000000000 X03=0000000000000000 X04=0000000000000000");
        lines[14].ShouldStartWith("X29=0000000000000000 X30=");
        lines[14].ShouldContain("  SP=");
        lines[15].ShouldMatch(@"^PSTATE=[0-9a-f]{8} [N-][Z-][C-][V-] EL[0-3][ht]$");
        lines.Count(l => l.StartsWith(" PC=", StringComparison.Ordinal)).ShouldBe(2, "mov, then the wfi that ends the run");
        var records = LoaderHarness.Emulator.Traces.TraceReader.Read(new StringReader(output.ToString())).ToList();
        records[1].Registers["x0"].Value.ShouldBe(1UL);
        records[1].Pc.ShouldBe(At + 4);
    }
}
