using LoaderHarness.Emulator.Traces;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Traces;

/// <summary>Reading QEMU's own log and the Iced layout into the same register names.</summary>
[TestFixture]
public class TraceReaderTests
{
    // Verbatim from qemu-system-x86_64 7.2 (-M pc -kernel vmlinux -singlestep -d in_asm,cpu,nochain) at Debian
    // 6.1's PVH entry, cut to one and a half records plus a repeat of the second address.
    private const string QemuLog = """
        ----------------
        IN: 
        0x01000850:  fc                       cld      

        EAX=00000000 EBX=000021e0 ECX=01000850 EDX=00000518
        ESI=000011c0 EDI=00006ef4 EBP=00000000 ESP=00006edc
        EIP=01000850 EFL=00000006 [-----P-] CPL=0 II=0 A20=1 SMM=0 HLT=0
        ES =0010 00000000 ffffffff 00cf9300 DPL=0 DS   [-WA]
        CS =0008 00000000 ffffffff 00cf9a00 DPL=0 CS32 [-R-]
        SS =0010 00000000 ffffffff 00cf9300 DPL=0 DS   [-WA]
        DS =0010 00000000 ffffffff 00cf9300 DPL=0 DS   [-WA]
        FS =0010 00000000 ffffffff 00cf9300 DPL=0 DS   [-WA]
        GS =0010 00000000 ffffffff 00cf9300 DPL=0 DS   [-WA]
        LDT=0000 00000000 0000ffff 00008200 DPL=0 LDT
        TR =0000 00000000 0000ffff 00008b00 DPL=0 TSS32-busy
        GDT=     000c0118 00000027
        IDT=     00000000 000003ff
        CR0=00000011 CR2=00000000 CR3=00000000 CR4=00000000
        DR0=0000000000000000 DR1=0000000000000000 DR2=0000000000000000 DR3=0000000000000000 
        DR6=00000000ffff0ff0 DR7=0000000000000400
        CCS=00000010 CCD=00006ed4 CCO=ADDL
        EFER=0000000000000000
        ----------------
        IN: 
        0x01000851:  0f 01 15 20 e3 10 03     lgdtl    0x310e320

        EAX=00000000 EBX=000021e0 ECX=01000850 EDX=00000518
        ESI=000011c0 EDI=00006ef4 EBP=00000000 ESP=00006edc
        EIP=01000851 EFL=00000006 [-----P-] CPL=0 II=0 A20=1 SMM=0 HLT=0
        CS =0008 00000000 ffffffff 00cf9a00 DPL=0 CS32 [-R-]
        EFER=0000000000000000
        EAX=00000000 EBX=000021e0 ECX=01000850 EDX=00000518
        EIP=01000851 EFL=00000006 [-----P-] CPL=0 II=0 A20=1 SMM=0 HLT=0
        CS =0008 00000000 ffffffff 00cf9a00 DPL=0 CS32 [-R-]
        EFER=0000000000000000
        """;

    [Test]
    public void A_qemu_dump_becomes_one_record_with_the_iced_layouts_names()
    {
        var records = TraceReader.Read(new StringReader(QemuLog)).ToList();

        records.Count.ShouldBe(2, "the repeated dump at 0x1000851 (a cached block run again, or a REP iteration) folds into the first");
        var r = records[0];
        r.Pc.ShouldBe(0x0100_0850UL);
        r.Instruction.ShouldBe("cld");
        r.Registers["rbx"].ShouldBe(new TraceValue(0x21E0, 32));
        r.Registers["rflags"].Value.ShouldBe(6UL);
        r.Registers["cs"].Value.ShouldBe(8UL);
        r.Registers["cs.flags"].Value.ShouldBe(0x00CF_9A00UL);
        r.Registers["gdt.base"].Value.ShouldBe(0xC0118UL);
        r.Registers["dr6"].Value.ShouldBe(0xFFFF_0FF0UL);
        r.Registers.ContainsKey("ccs").ShouldBeFalse("TCG's lazy-flag operands are not architectural state");
        records[1].Instruction.ShouldBe("lgdtl    0x310e320");
        records[1].Index.ShouldBe(1);
    }

    [Test]
    public void Iced_lines_take_the_registers_changed_before_them()
    {
        const string iced = """
              rax=0 rbx=6000 rflags=2
            <pvh_start_xen>:
            0000000001000850  fc                cld
              rax=10
            0000000001000851  0f0115...         lgdt gdt
            """;

        var records = TraceReader.Read(new StringReader(iced)).ToList();

        records.Count.ShouldBe(2);
        records[0].Instruction.ShouldBe("cld");
        records[0].Registers["rbx"].ShouldBe(new TraceValue(0x6000, 64));
        records[1].Registers["rax"].Value.ShouldBe(0x10UL);
        records[1].Registers["rbx"].Value.ShouldBe(0x6000UL, "an unchanged register keeps its value");
    }

    [Test]
    public void A_32_bit_value_matches_the_low_half_of_a_64_bit_one() =>
        new TraceValue(0x1_0000_0005, 64).SameAs(new TraceValue(5, 32)).ShouldBeTrue();

    [Test]
    public void An_aarch64_dump_reads_as_x_registers_sp_and_pstate()
    {
        // Verbatim from qemu-system-aarch64 7.2 (-M virt -cpu cortex-a57 -kernel Image -singlestep -d in_asm,cpu,nochain).
        const string log = """
            ----------------
            IN: 
            0x40000004:  aa1f03e1  mov      x1, xzr

             PC=0000000040000004 X00=0000000048000000 X01=0000000000000000
            X02=0000000000000000 X03=0000000000000000 X04=0000000000000000
            X05=0000000000000000 X06=0000000000000000 X07=0000000000000000
            X08=0000000000000000 X09=0000000000000000 X10=0000000000000000
            X11=0000000000000000 X12=0000000000000000 X13=0000000000000000
            X14=0000000000000000 X15=0000000000000000 X16=0000000000000000
            X17=0000000000000000 X18=0000000000000000 X19=0000000000000000
            X20=0000000000000000 X21=0000000000000000 X22=0000000000000000
            X23=0000000000000000 X24=0000000000000000 X25=0000000000000000
            X26=0000000000000000 X27=0000000000000000 X28=0000000000000000
            X29=0000000000000000 X30=0000000000000000  SP=0000000000000000
            PSTATE=400003c5 -Z-- EL1h
            """;

        var r = TraceReader.Read(new StringReader(log)).Single();

        r.Pc.ShouldBe(0x4000_0004UL);
        r.Instruction.ShouldBe("mov      x1, xzr");
        r.Registers["x0"].Value.ShouldBe(0x4800_0000UL);
        r.Registers["x30"].Value.ShouldBe(0UL);
        r.Registers["sp"].Value.ShouldBe(0UL);
        r.Registers["pstate"].Value.ShouldBe(0x3C5UL | (1UL << 30));
    }
}
