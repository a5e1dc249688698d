using LoaderHarness.Emulator.Arm64;
using LoaderHarness.Emulator.Core;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64;

/// <summary>
/// Instructions the Unicorn differential does not reach (exclusives, DC ZVA, system registers, SP banking) and a
/// few encodings with hand-computed results. Expected values follow the Arm ARM (DDI 0487) instruction pages.
/// </summary>
[TestFixture]
public class InstructionTests
{
    private static IEnumerable<TestCaseData> Values()
    {
        // Logical immediates: DecodeBitMasks replicates a rotated run of ones (Arm ARM C6.2 AND (immediate)).
        yield return new TestCaseData("mov x0, #0x5555555555555555", 0x5555_5555_5555_5555UL).SetName("orr_alternate_bits");
        yield return new TestCaseData("mov w0, #0x00ff00ff", 0x00FF_00FFUL).SetName("orr_w_halfword_pattern");
        yield return new TestCaseData("mov x1, #-1\n and x0, x1, #0xfffffffffffffffc", 0xFFFF_FFFF_FFFF_FFFCUL).SetName("and_clear_two_bits");
        // Bitfield aliases (C6.2 UBFX, SBFX, BFI, BFXIL).
        yield return new TestCaseData("ldr x1, =0x123456789abcdef0\n ubfx x0, x1, #8, #16", 0xBCDEUL).SetName("ubfx");
        yield return new TestCaseData("ldr x1, =0x0000000000008000\n sbfx x0, x1, #12, #4", 0xFFFF_FFFF_FFFF_FFF8UL).SetName("sbfx_sign");
        yield return new TestCaseData("ldr x0, =0xffffffffffffffff\n mov x1, #0\n bfi x0, x1, #4, #8", 0xFFFF_FFFF_FFFF_F00FUL).SetName("bfi");
        yield return new TestCaseData("mov x0, #0\n ldr x1, =0xabcd00\n bfxil x0, x1, #8, #16", 0xABCDUL).SetName("bfxil");
        yield return new TestCaseData("mov w1, #0x80000000\n asr w0, w1, #4", 0xF800_0000UL).SetName("asr_w_zero_extends");
        // Division edge cases (C6.2 SDIV: MIN / -1 = MIN, x / 0 = 0).
        yield return new TestCaseData("mov x1, #0x8000000000000000\n mov x2, #-1\n sdiv x0, x1, x2", 0x8000_0000_0000_0000UL).SetName("sdiv_overflow");
        yield return new TestCaseData("mov x1, #7\n mov x2, #0\n udiv x0, x1, x2", 0UL).SetName("udiv_by_zero");
        yield return new TestCaseData("mov x1, #-7\n mov x2, #2\n sdiv x0, x1, x2", unchecked((ulong)-3L)).SetName("sdiv_rounds_toward_zero");
        yield return new TestCaseData("ldr x1, =0xffffffffffffffff\n ldr x2, =0xffffffffffffffff\n umulh x0, x1, x2", 0xFFFF_FFFF_FFFF_FFFEUL).SetName("umulh");
        yield return new TestCaseData("mov x1, #-1\n mov x2, #-1\n smulh x0, x1, x2", 0UL).SetName("smulh");
        yield return new TestCaseData("mov x1, #0x0100\n rev16 x0, x1", 0x0001UL).SetName("rev16");
        yield return new TestCaseData("mov x1, #1\n rbit x0, x1", 0x8000_0000_0000_0000UL).SetName("rbit");
        yield return new TestCaseData("mov x1, #-1\n cls x0, x1", 63UL).SetName("cls_all_ones");
        yield return new TestCaseData("mov x1, #1\n clz w0, w1", 31UL).SetName("clz_w");
        // Conditional select family (C6.2 CSINC / CSNEG) and CCMP fallback flags.
        yield return new TestCaseData("mov x1, #5\n cmp x1, #6\n cset x0, lt", 1UL).SetName("cset_lt");
        yield return new TestCaseData("mov x1, #5\n cmp x1, #5\n csneg x0, x1, x1, ne", unchecked((ulong)-5L)).SetName("csneg");
        yield return new TestCaseData("mov x1, #1\n cmp x1, #2\n ccmp x1, #1, #0b0100, eq\n cset x0, eq", 1UL).SetName("ccmp_fallback_nzcv");
        yield return new TestCaseData("mov x1, #3\n cmp x1, #3\n ccmp x1, #3, #0, eq\n cset x0, eq", 1UL).SetName("ccmp_compares");
    }

    [TestCaseSource(nameof(Values))]
    public void Computes(string source, ulong expected)
    {
        using var m = new Arm64TestMachine();
        var result = m.Run(source);
        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        m.Cpu[0].ShouldBe(expected);
    }

    [Test]
    public void Ldtr_with_the_base_as_destination_loads_though_capstone_rejects_it()
    {
        // Linux 6.12 strnlen_user: ldtr x0, [x0]. No writeback, so Rt = Rn is allowed (Arm ARM C6.2 LDTR).
        using var m = new Arm64TestMachine();
        m.Memory.WriteU64(Arm64TestMachine.DataBase, 0x1122_3344_5566_7788);
        var result = m.Run($"""
            ldr x0, ={Arm64TestMachine.DataBase}
            ldtr x0, [x0]
            ldr x1, ={Arm64TestMachine.DataBase}
            ldtrb w1, [x1, #1]
            """);
        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        m.Cpu[0].ShouldBe(0x1122_3344_5566_7788UL);
        m.Cpu[1].ShouldBe(0x77UL);
    }

    [Test]
    public void Store_exclusive_succeeds_after_a_load_exclusive_and_fails_without_one()
    {
        using var m = new Arm64TestMachine();
        m.Memory.WriteU64(Arm64TestMachine.DataBase, 41);
        m.Run($"""
            ldr x1, ={Arm64TestMachine.DataBase}
            ldxr x2, [x1]
            add x2, x2, #1
            stxr w3, x2, [x1]
            stxr w4, x2, [x1]
            ldaxr x5, [x1]
            clrex
            stlxr w6, x5, [x1]
            """);
        // Arm ARM B2.9: a store-exclusive succeeds (status 0) only while the monitor holds the address.
        m.Cpu[3].ShouldBe(0UL);
        m.Cpu[4].ShouldBe(1UL);
        m.Cpu[6].ShouldBe(1UL);
        m.Memory.ReadU64(Arm64TestMachine.DataBase).ShouldBe(42UL);
    }

    [Test]
    public void Exclusive_pair_round_trips()
    {
        using var m = new Arm64TestMachine();
        m.Memory.WriteU64(Arm64TestMachine.DataBase, 1);
        m.Memory.WriteU64(Arm64TestMachine.DataBase + 8, 2);
        m.Run($"""
            ldr x1, ={Arm64TestMachine.DataBase}
            ldxp x2, x3, [x1]
            add x2, x2, #10
            add x3, x3, #20
            stxp w4, x2, x3, [x1]
            """);
        m.Cpu[4].ShouldBe(0UL);
        m.Memory.ReadU64(Arm64TestMachine.DataBase).ShouldBe(11UL);
        m.Memory.ReadU64(Arm64TestMachine.DataBase + 8).ShouldBe(22UL);
    }

    [Test]
    public void Dc_zva_zeroes_the_aligned_64_byte_block()
    {
        using var m = new Arm64TestMachine();
        m.Memory.Fill(Arm64TestMachine.DataBase, 256, 0xAA);
        m.Run($"""
            ldr x1, ={Arm64TestMachine.DataBase + 0x48}
            dc zva, x1
            """);
        // DCZID_EL0.BS = 4 words → 64-byte blocks: 0x40..0x7F cleared, the rest untouched.
        m.Memory.ReadBytes(Arm64TestMachine.DataBase + 0x40, 64).ShouldAllBe(b => b == 0);
        m.Memory.ReadU8(Arm64TestMachine.DataBase + 0x3F).ShouldBe((byte)0xAA);
        m.Memory.ReadU8(Arm64TestMachine.DataBase + 0x80).ShouldBe((byte)0xAA);
    }

    [Test]
    public void Adr_and_adrp_are_pc_relative()
    {
        using var m = new Arm64TestMachine();
        m.Run("""
            nop
            adr x0, here
            adrp x1, here
            here: nop
            """);
        m.Cpu[0].ShouldBe(Arm64TestMachine.CodeBase + 12);
        m.Cpu[1].ShouldBe(Arm64TestMachine.CodeBase & ~0xFFFUL);
    }

    [Test]
    public void Identification_registers_read_the_identity()
    {
        using var m = new Arm64TestMachine();
        m.Run("""
            mrs x0, currentel
            mrs x1, midr_el1
            mrs x2, mpidr_el1
            mrs x3, id_aa64mmfr0_el1
            mrs x4, ctr_el0
            mrs x5, dczid_el0
            mrs x6, s3_0_c0_c7_7
            mrs x7, id_aa64pfr0_el1
            """);
        m.Cpu[0].ShouldBe(1UL << 2);
        m.Cpu[1].ShouldBe(Arm64Identity.Default.Midr);
        m.Cpu[2].ShouldBe(Arm64Identity.Default.Mpidr);
        m.Cpu[3].ShouldBe(Arm64Identity.Default.IdAa64Mmfr0);
        m.Cpu[4].ShouldBe(Arm64Identity.Default.Ctr);
        m.Cpu[5].ShouldBe(Arm64Identity.Default.Dczid);
        // Arm ARM D19.2: unallocated ID registers (op0 3, op1 0, CRn 0, CRm 1-7) read as zero.
        m.Cpu[6].ShouldBe(0UL);
        // The EL2 field (bits 11:8) reads 0 when the harness, not the guest, owns EL2 (as under KVM).
        (m.Cpu[7] & 0xF00).ShouldBe(0UL);
    }

    [Test]
    public void Spsel_switches_between_sp_el0_and_sp_el1()
    {
        using var m = new Arm64TestMachine();
        m.Run("""
            mov x1, #0x1000
            msr sp_el0, x1
            mov x2, sp
            msr spsel, #0
            mov x3, sp
            mov x4, #0x2000
            mov sp, x4
            msr spsel, #1
            mov x5, sp
            mrs x6, sp_el0
            """);
        m.Cpu[2].ShouldBe(Arm64TestMachine.StackTop);
        m.Cpu[3].ShouldBe(0x1000UL);
        m.Cpu[5].ShouldBe(Arm64TestMachine.StackTop);
        m.Cpu[6].ShouldBe(0x2000UL);
    }

    [Test]
    public void Daif_set_and_clear_and_nzcv_moves()
    {
        using var m = new Arm64TestMachine();
        m.Run("""
            msr daifclr, #0xf
            mrs x0, daif
            msr daifset, #2
            mrs x1, daif
            mov x2, #0x60000000
            msr nzcv, x2
            cset x3, eq
            mrs x4, nzcv
            """);
        m.Cpu[0].ShouldBe(0UL);
        m.Cpu[1].ShouldBe(0x80UL);
        m.Cpu[3].ShouldBe(1UL);
        m.Cpu[4].ShouldBe(0x6000_0000UL);
    }

    [Test]
    public void Cache_and_tlb_maintenance_is_counted()
    {
        using var m = new Arm64TestMachine();
        m.Run($"""
            ldr x1, ={Arm64TestMachine.DataBase}
            dc civac, x1
            dc civac, x1
            ic iallu
            tlbi vmalle1
            """);
        m.Cpu.MaintenanceCounts["dc civac"].ShouldBe(2UL);
        m.Cpu.MaintenanceCounts["ic iallu"].ShouldBe(1UL);
        m.Cpu.MaintenanceCounts["tlbi vmalle1"].ShouldBe(1UL);
    }
}
