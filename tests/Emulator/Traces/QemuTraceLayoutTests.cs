using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Traces;
using LoaderHarness.Tests.Emulator.X86;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.Traces;

/// <summary>
/// <c>--trace-format qemu</c> writes what QEMU 7.2 logs with <c>-d in_asm,cpu -singlestep</c>: the block
/// separator, <c>IN:</c>, the instruction as disas/capstone.c prints it and x86_cpu_dump_state's lines.
/// </summary>
[TestFixture]
public class QemuTraceLayoutTests
{
    private static string[] Trace()
    {
        using var m = new TestMachine();
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(eax, 1);
            a.hlt();
        });
        m.EnterLong64(TestMachine.CodeBase);
        var output = new StringWriter();
        m.Cpu.Tracer = new Tracer(output, address => address == TestMachine.CodeBase ? "startup_64" : null, format: TraceFormat.Qemu);
        m.Run();
        return output.ToString().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
    }

    [Test]
    public void Each_instruction_is_a_block_with_its_disassembly_then_the_registers_before_it()
    {
        var lines = Trace();

        lines[0].ShouldBe("----------------");
        lines[1].ShouldBe("IN: startup_64");
        // cap_dump_insn: "0x%08x:  ", 8 byte columns of "%02x " (24 characters), then " %-8s %s".
        lines[2].ShouldBe($"0x{TestMachine.CodeBase:x8}:  b8 01 00 00 00           mov      $1,%eax");
        lines[3].ShouldBe("");
        lines[4].ShouldStartWith("RAX=0000000000000000 RBX=");
        lines.ShouldContain(l => l.StartsWith($"RIP={TestMachine.CodeBase:x16} RFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=0", StringComparison.Ordinal));
        lines.ShouldContain(l => l.StartsWith("R8 =0000000000000000 R9 =", StringComparison.Ordinal));
        lines.ShouldContain(l => l.StartsWith("CS =") && l.Contains("CS64"));
        lines.ShouldContain(l => l.StartsWith("EFER=0000000000000d00") || l.StartsWith("EFER=0000000000000500"));
        lines.Count(l => l == "----------------").ShouldBe(2);
    }

    [Test]
    public void The_trace_reader_reads_the_layout_back()
    {
        var records = TraceReader.Read(new StringReader(string.Join('\n', Trace()))).ToList();

        records.Count.ShouldBe(2);
        records[0].Pc.ShouldBe(TestMachine.CodeBase);
        records[0].Instruction.ShouldBe("mov      $1,%eax");
        records[0].Registers["rax"].Value.ShouldBe(0UL);
        records[1].Registers["rax"].Value.ShouldBe(1UL);
        records[1].Registers["rip"].Value.ShouldBe(TestMachine.CodeBase + 5);
        records[1].Registers["cs.flags"].Value.ShouldBe(records[0].Registers["cs.flags"].Value);
    }
}
