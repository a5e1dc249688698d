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

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
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
}
