namespace LoaderHarness.Emulator.Arm64;

// A pure table, exempt from the 400-line limit: one row per A64 encoding the engine executes.
// Pattern: bit 31 first, 0/1 fixed, x any, spaces between the fields of the encoding diagram (Arm ARM
// DDI 0487, C4.1 "A64 instruction set encoding" and each instruction's diagram in C6.2). The operand
// shapes are in A64Decoder.<group>.cs. Order matters only between rows fixing equally many bits: the
// index tries more specific rows first, so a carve-out may sit anywhere.

internal static unsafe partial class A64Decoder
{
    private static A64Encoding[] Table() =>
    [
        // ---- Data processing, immediate (C4.1.86) ----
        //   op immlo   immhi               Rd
        new("0 xx 10000 xxxxxxxxxxxxxxxxxxx xxxxx", "ADR", &Branches.Adr, &PcRelative),
        new("1 xx 10000 xxxxxxxxxxxxxxxxxxx xxxxx", "ADRP", &Branches.Adrp, &PcRelative),
        //   sf op S      sh imm12       Rn    Rd
        new("x 0 0 100010 x xxxxxxxxxxxx xxxxx xxxxx", "ADD (immediate)", &Arithmetic.AddImmediate, &AddSubImmediate),
        new("x 0 1 100010 x xxxxxxxxxxxx xxxxx xxxxx", "ADDS (immediate)", &Arithmetic.AddsImmediate, &AddSubImmediate),
        new("x 1 0 100010 x xxxxxxxxxxxx xxxxx xxxxx", "SUB (immediate)", &Arithmetic.SubImmediate, &AddSubImmediate),
        new("x 1 1 100010 x xxxxxxxxxxxx xxxxx xxxxx", "SUBS (immediate)", &Arithmetic.SubsImmediate, &AddSubImmediate),
        //   sf opc      N immr   imms   Rn    Rd
        new("x 00 100100 x xxxxxx xxxxxx xxxxx xxxxx", "AND (immediate)", &Logic.AndImmediate, &LogicalImmediate),
        new("x 01 100100 x xxxxxx xxxxxx xxxxx xxxxx", "ORR (immediate)", &Logic.OrrImmediate, &LogicalImmediate),
        new("x 10 100100 x xxxxxx xxxxxx xxxxx xxxxx", "EOR (immediate)", &Logic.EorImmediate, &LogicalImmediate),
        new("x 11 100100 x xxxxxx xxxxxx xxxxx xxxxx", "ANDS (immediate)", &Logic.AndsImmediate, &LogicalImmediate),
        //   sf opc      hw imm16            Rd
        new("x 00 100101 xx xxxxxxxxxxxxxxxx xxxxx", "MOVN", &Logic.Movn, &MoveWide),
        new("x 10 100101 xx xxxxxxxxxxxxxxxx xxxxx", "MOVZ", &Logic.Movz, &MoveWide),
        new("x 11 100101 xx xxxxxxxxxxxxxxxx xxxxx", "MOVK", &Logic.Movk, &MoveWide),
        //   sf opc      N immr   imms   Rn    Rd
        new("x 00 100110 x xxxxxx xxxxxx xxxxx xxxxx", "SBFM", &Bitfield.Sbfm, &BitfieldMove),
        new("x 01 100110 x xxxxxx xxxxxx xxxxx xxxxx", "BFM", &Bitfield.Bfm, &BitfieldMove),
        new("x 10 100110 x xxxxxx xxxxxx xxxxx xxxxx", "UBFM", &Bitfield.Ubfm, &BitfieldMove),
        //   sf op21     N o0 Rm   imms   Rn    Rd
        new("x 00 100111 x 0 xxxxx xxxxxx xxxxx xxxxx", "EXTR", &Bitfield.Extr, &Extract),

        // ---- Data processing, register (C4.1.88) ----
        //   sf opc     shift N Rm imm6   Rn    Rd
        new("x 00 01010 xx x xxxxx xxxxxx xxxxx xxxxx", "AND, BIC (shifted register)", &Logic.AndShifted, &LogicalShifted),
        new("x 01 01010 xx x xxxxx xxxxxx xxxxx xxxxx", "ORR, ORN (shifted register)", &Logic.OrrShifted, &LogicalShifted),
        new("x 10 01010 xx x xxxxx xxxxxx xxxxx xxxxx", "EOR, EON (shifted register)", &Logic.EorShifted, &LogicalShifted),
        new("x 11 01010 xx x xxxxx xxxxxx xxxxx xxxxx", "ANDS, BICS (shifted register)", &Logic.AndsShifted, &LogicalShifted),
        //   sf op S     shift Rm   imm6   Rn    Rd
        new("x 0 0 01011 xx 0 xxxxx xxxxxx xxxxx xxxxx", "ADD (shifted register)", &Arithmetic.AddShifted, &AddSubShifted),
        new("x 0 1 01011 xx 0 xxxxx xxxxxx xxxxx xxxxx", "ADDS (shifted register)", &Arithmetic.AddsShifted, &AddSubShifted),
        new("x 1 0 01011 xx 0 xxxxx xxxxxx xxxxx xxxxx", "SUB (shifted register)", &Arithmetic.SubShifted, &AddSubShifted),
        new("x 1 1 01011 xx 0 xxxxx xxxxxx xxxxx xxxxx", "SUBS (shifted register)", &Arithmetic.SubsShifted, &AddSubShifted),
        //   sf op S     opt  Rm    option imm3 Rn Rd
        new("x 0 0 01011 00 1 xxxxx xxx xxx xxxxx xxxxx", "ADD (extended register)", &Arithmetic.AddExtended, &AddSubExtended),
        new("x 0 1 01011 00 1 xxxxx xxx xxx xxxxx xxxxx", "ADDS (extended register)", &Arithmetic.AddsExtended, &AddSubExtended),
        new("x 1 0 01011 00 1 xxxxx xxx xxx xxxxx xxxxx", "SUB (extended register)", &Arithmetic.SubExtended, &AddSubExtended),
        new("x 1 1 01011 00 1 xxxxx xxx xxx xxxxx xxxxx", "SUBS (extended register)", &Arithmetic.SubsExtended, &AddSubExtended),
        //   sf op S        Rm           Rn    Rd
        new("x x x 11010000 xxxxx 000000 xxxxx xxxxx", "ADC, ADCS, SBC, SBCS", &Arithmetic.AddSubCarry, &AddSubCarry),
        //   sf op S        Rm/imm5 cond i o2 Rn o3 nzcv
        new("x x 1 11010010 xxxxx xxxx x 0 xxxxx 0 xxxx", "CCMN, CCMP", &Arithmetic.ConditionalCompare, &ConditionalCompare),
        //   sf op S        Rm    cond op2 Rn   Rd
        new("x x 0 11010100 xxxxx xxxx 0x xxxxx xxxxx", "CSEL, CSINC, CSINV, CSNEG", &Arithmetic.ConditionalSelect, &ConditionalSelect),
        //   sf  S          Rm    opcode Rn    Rd  (two sources)
        new("x 0 0 11010110 xxxxx 000010 xxxxx xxxxx", "UDIV", &Multiply.Udiv, &RegisterOperands),
        new("x 0 0 11010110 xxxxx 000011 xxxxx xxxxx", "SDIV", &Multiply.Sdiv, &RegisterOperands),
        new("x 0 0 11010110 xxxxx 0010xx xxxxx xxxxx", "LSLV, LSRV, ASRV, RORV", &Bitfield.ShiftVariable, &VariableShift),
        //   sf  S          opcode2 opcode Rn  Rd  (one source)
        new("x 1 0 11010110 00000 000000 xxxxx xxxxx", "RBIT", &Bitfield.Rbit, &RegisterOperands),
        new("x 1 0 11010110 00000 000001 xxxxx xxxxx", "REV16", &Bitfield.Rev16, &RegisterOperands),
        new("0 1 0 11010110 00000 000010 xxxxx xxxxx", "REV (32-bit)", &Bitfield.Rev, &RegisterOperands),
        new("1 1 0 11010110 00000 000010 xxxxx xxxxx", "REV32", &Bitfield.Rev32, &RegisterOperands),
        new("1 1 0 11010110 00000 000011 xxxxx xxxxx", "REV (64-bit)", &Bitfield.Rev, &RegisterOperands),
        new("x 1 0 11010110 00000 000100 xxxxx xxxxx", "CLZ", &Bitfield.Clz, &RegisterOperands),
        new("x 1 0 11010110 00000 000101 xxxxx xxxxx", "CLS", &Bitfield.Cls, &RegisterOperands),
        //   sf op54    op31 Rm   o0 Ra   Rn    Rd  (three sources)
        new("x 00 11011 000 xxxxx x xxxxx xxxxx xxxxx", "MADD, MSUB", &Multiply.MultiplyAdd, &MultiplyAccumulate),
        new("1 00 11011 001 xxxxx x xxxxx xxxxx xxxxx", "SMADDL, SMSUBL", &Multiply.SignedMultiplyAddLong, &MultiplyAccumulate),
        new("1 00 11011 101 xxxxx x xxxxx xxxxx xxxxx", "UMADDL, UMSUBL", &Multiply.UnsignedMultiplyAddLong, &MultiplyAccumulate),
        new("1 00 11011 010 xxxxx 0 xxxxx xxxxx xxxxx", "SMULH", &Multiply.Smulh, &MultiplyAccumulate),
        new("1 00 11011 110 xxxxx 0 xxxxx xxxxx xxxxx", "UMULH", &Multiply.Umulh, &MultiplyAccumulate),

        // ---- Branches, exception generation and system instructions (C4.1.85) ----
        //   op     imm26
        new("000101 00000000000000000000000000", "B (to itself)", &Branches.BranchSelf, &BranchImmediate),
        new("000101 xxxxxxxxxxxxxxxxxxxxxxxxxx", "B", &Branches.Branch, &BranchImmediate),
        new("100101 xxxxxxxxxxxxxxxxxxxxxxxxxx", "BL", &Branches.BranchLink, &BranchImmediate),
        //   sf       op imm19              Rt
        new("x 011010 0 xxxxxxxxxxxxxxxxxxx xxxxx", "CBZ", &Branches.Cbz, &CompareAndBranch),
        new("x 011010 1 xxxxxxxxxxxxxxxxxxx xxxxx", "CBNZ", &Branches.Cbnz, &CompareAndBranch),
        //   b5       op b40  imm14          Rt
        new("x 011011 0 xxxxx xxxxxxxxxxxxxx xxxxx", "TBZ", &Branches.Tbz, &TestAndBranch),
        new("x 011011 1 xxxxx xxxxxxxxxxxxxx xxxxx", "TBNZ", &Branches.Tbnz, &TestAndBranch),
        //           o1 imm19              o0 cond
        new("0101010 0 xxxxxxxxxxxxxxxxxxx 0 xxxx", "B.cond", &Branches.BranchConditional, &ConditionalBranch),

        //            opc imm16            op2 LL
        new("11010100 000 xxxxxxxxxxxxxxxx 000 01", "SVC", &SystemInstructions.Svc, &ExceptionImmediate),
        new("11010100 000 xxxxxxxxxxxxxxxx 000 10", "HVC", &SystemInstructions.Hvc, &ExceptionImmediate),
        new("11010100 000 xxxxxxxxxxxxxxxx 000 11", "SMC", &SystemInstructions.Smc, &ExceptionImmediate),
        new("11010100 001 xxxxxxxxxxxxxxxx 000 00", "BRK", &SystemInstructions.Brk, &ExceptionImmediate),

        //              L op0 op1 CRn CRm  op2 Rt
        // Hints: every hint but WFE, WFI, SEV and SEVL (NOP, YIELD, ESB, CSDB and, without FEAT_PAuth or
        // FEAT_BTI, the PAC and BTI hints) does nothing.
        new("1101010100 0 00 011 0010 0000 010 11111", "WFE", &SystemInstructions.Wfe, &NoOperands),
        new("1101010100 0 00 011 0010 0000 011 11111", "WFI", &SystemInstructions.Wfi, &NoOperands),
        new("1101010100 0 00 011 0010 0000 10x 11111", "SEV, SEVL", &SystemInstructions.Sev, &NoOperands),
        new("1101010100 0 00 011 0010 xxxx xxx 11111", "HINT", &SystemInstructions.Nop, &NoOperands),
        // Barriers: DSB, DMB and ISB do nothing on one in-order CPU whose decoded-code cache is coherent.
        new("1101010100 0 00 011 0011 xxxx 010 11111", "CLREX", &SystemInstructions.Clrex, &NoOperands),
        new("1101010100 0 00 011 0011 xxxx 100 11111", "DSB", &SystemInstructions.Nop, &NoOperands),
        new("1101010100 0 00 011 0011 xxxx 101 11111", "DMB", &SystemInstructions.Nop, &NoOperands),
        new("1101010100 0 00 011 0011 xxxx 110 11111", "ISB", &SystemInstructions.Nop, &NoOperands),
        new("1101010100 0 00 xxx 0100 xxxx xxx 11111", "MSR (immediate)", &SystemInstructions.MsrImmediate, &PstateField),
        // SYS: DC ZVA, address translation, cache maintenance (CRn 7) and TLB maintenance (CRn 8).
        new("1101010100 0 01 011 0111 0100 001 xxxxx", "DC ZVA", &SystemInstructions.DcZva, &SystemOperand),
        new("1101010100 0 01 000 0111 100x 0xx xxxxx", "AT S1E1*, S1E0*", &SystemInstructions.AddressTranslate, &AddressTranslation),
        new("1101010100 0 01 100 0111 100x 0xx xxxxx", "AT S1E2*", &SystemInstructions.AddressTranslate, &AddressTranslation),
        new("1101010100 0 01 xxx 0111 0001 xxx xxxxx", "IC (inner shareable)", &SystemInstructions.CacheMaintenance, &Maintenance),
        new("1101010100 0 01 xxx 0111 0101 xxx xxxxx", "IC", &SystemInstructions.CacheMaintenance, &Maintenance),
        new("1101010100 0 01 xxx 0111 0110 xxx xxxxx", "DC (invalidate)", &SystemInstructions.CacheMaintenance, &Maintenance),
        new("1101010100 0 01 xxx 0111 101x xxx xxxxx", "DC (clean)", &SystemInstructions.CacheMaintenance, &Maintenance),
        new("1101010100 0 01 xxx 0111 110x xxx xxxxx", "DC (clean to PoP/PoDP)", &SystemInstructions.CacheMaintenance, &Maintenance),
        new("1101010100 0 01 xxx 0111 1110 xxx xxxxx", "DC (clean and invalidate)", &SystemInstructions.CacheMaintenance, &Maintenance),
        new("1101010100 0 01 xxx 1000 xxxx xxx xxxxx", "TLBI", &SystemInstructions.Tlbi, &Maintenance),
        // System registers (op0 2, 3): the listed ones, then the reserved ID space reading as zero.
        new("1101010100 1 1x xxx xxxx xxxx xxx xxxxx", "MRS", &SystemInstructions.Mrs, &SystemRegister),
        new("1101010100 1 1x xxx xxxx xxxx xxx xxxxx", "MRS (reserved ID register)", &SystemInstructions.MrsReadAsZero, &ReservedIdRegister),
        new("1101010100 0 1x xxx xxxx xxxx xxx xxxxx", "MSR (register)", &SystemInstructions.Msr, &SystemRegister),

        //           opc  op2   op3    Rn    op4  (pointer-authenticated forms are not implemented)
        new("1101011 0000 11111 000000 xxxxx 00000", "BR", &Branches.BranchRegister, &RegisterTarget),
        new("1101011 0001 11111 000000 xxxxx 00000", "BLR", &Branches.BranchLinkRegister, &RegisterTarget),
        new("1101011 0010 11111 000000 xxxxx 00000", "RET", &Branches.Return, &RegisterTarget),
        new("1101011 0100 11111 000000 11111 00000", "ERET", &SystemInstructions.Eret, &RegisterTarget),
        // ---- Loads and stores (C4.1.87); V (bit 26) is 0 throughout: no SIMD&FP registers ----
        //   size      o2 L o1 Rs  o0 Rt2  Rn    Rt
        new("xx 001000 1 1 0 xxxxx x xxxxx xxxxx xxxxx", "LDAR, LDLAR", &LoadStore.LoadOffset, &OrderedAccess),
        new("xx 001000 1 0 0 xxxxx x xxxxx xxxxx xxxxx", "STLR, STLLR", &LoadStore.StoreOffset, &OrderedAccess),
        new("xx 001000 0 1 0 xxxxx x xxxxx xxxxx xxxxx", "LDXR, LDAXR", &LoadStore.LoadExclusive, &Exclusive),
        new("xx 001000 0 0 0 xxxxx x xxxxx xxxxx xxxxx", "STXR, STLXR", &LoadStore.StoreExclusive, &Exclusive),
        new("1x 001000 0 1 1 xxxxx x xxxxx xxxxx xxxxx", "LDXP, LDAXP", &LoadStore.LoadExclusivePair, &ExclusivePair),
        new("1x 001000 0 0 1 xxxxx x xxxxx xxxxx xxxxx", "STXP, STLXP", &LoadStore.StoreExclusivePair, &ExclusivePair),
        //   opc    V    imm19               Rt
        new("00 011 0 00 xxxxxxxxxxxxxxxxxxx xxxxx", "LDR (literal, 32-bit)", &LoadStore.LoadLiteral, &LoadLiteral),
        new("01 011 0 00 xxxxxxxxxxxxxxxxxxx xxxxx", "LDR (literal, 64-bit)", &LoadStore.LoadLiteral, &LoadLiteral),
        new("10 011 0 00 xxxxxxxxxxxxxxxxxxx xxxxx", "LDRSW (literal)", &LoadStore.LoadLiteral, &LoadLiteral),
        new("11 011 0 00 xxxxxxxxxxxxxxxxxxx xxxxx", "PRFM (literal)", &SystemInstructions.Nop, &LoadLiteral),
        //   opc    V   idx L imm7   Rt2   Rn    Rt  (idx: 00 no-allocate, 01 post, 10 offset, 11 pre)
        new("x0 101 0 0 x0 0 xxxxxxx xxxxx xxxxx xxxxx", "STP, STNP", &LoadStore.StorePair, &Pair),
        new("x0 101 0 0 x0 1 xxxxxxx xxxxx xxxxx xxxxx", "LDP, LDNP", &LoadStore.LoadPair, &Pair),
        new("x0 101 0 0 01 0 xxxxxxx xxxxx xxxxx xxxxx", "STP (post-index)", &LoadStore.StorePairPost, &Pair),
        new("x0 101 0 0 01 1 xxxxxxx xxxxx xxxxx xxxxx", "LDP (post-index)", &LoadStore.LoadPairPost, &Pair),
        new("x0 101 0 0 11 0 xxxxxxx xxxxx xxxxx xxxxx", "STP (pre-index)", &LoadStore.StorePairPre, &Pair),
        new("x0 101 0 0 11 1 xxxxxxx xxxxx xxxxx xxxxx", "LDP (pre-index)", &LoadStore.LoadPairPre, &Pair),
        new("01 101 0 0 10 1 xxxxxxx xxxxx xxxxx xxxxx", "LDPSW", &LoadStore.LoadPair, &Pair),
        new("01 101 0 0 01 1 xxxxxxx xxxxx xxxxx xxxxx", "LDPSW (post-index)", &LoadStore.LoadPairPost, &Pair),
        new("01 101 0 0 11 1 xxxxxxx xxxxx xxxxx xxxxx", "LDPSW (pre-index)", &LoadStore.LoadPairPre, &Pair),
        // Single registers: STR* (opc 00, every size), LDR* (opc 01), LDRSB/LDRSH (size 0x, opc 1x), LDRSW
        // (size 10, opc 10); size 11 with opc 10 is PRFM, which does nothing.
        //   size   V    opc imm12       Rn    Rt
        new("xx 111 0 01 00 xxxxxxxxxxxx xxxxx xxxxx", "STR (unsigned offset)", &LoadStore.StoreOffset, &UnsignedOffset),
        new("xx 111 0 01 01 xxxxxxxxxxxx xxxxx xxxxx", "LDR (unsigned offset)", &LoadStore.LoadOffset, &UnsignedOffset),
        new("0x 111 0 01 1x xxxxxxxxxxxx xxxxx xxxxx", "LDRSB, LDRSH (unsigned offset)", &LoadStore.LoadOffset, &UnsignedOffset),
        new("10 111 0 01 10 xxxxxxxxxxxx xxxxx xxxxx", "LDRSW (unsigned offset)", &LoadStore.LoadOffset, &UnsignedOffset),
        new("11 111 0 01 10 xxxxxxxxxxxx xxxxx xxxxx", "PRFM (unsigned offset)", &SystemInstructions.Nop, &NoOperands),
        //   size   V    opc  Rm    option S Rn    Rt
        new("xx 111 0 00 00 1 xxxxx xxx x 10 xxxxx xxxxx", "STR (register)", &LoadStore.StoreRegister, &RegisterOffset),
        new("xx 111 0 00 01 1 xxxxx xxx x 10 xxxxx xxxxx", "LDR (register)", &LoadStore.LoadRegister, &RegisterOffset),
        new("0x 111 0 00 1x 1 xxxxx xxx x 10 xxxxx xxxxx", "LDRSB, LDRSH (register)", &LoadStore.LoadRegister, &RegisterOffset),
        new("10 111 0 00 10 1 xxxxx xxx x 10 xxxxx xxxxx", "LDRSW (register)", &LoadStore.LoadRegister, &RegisterOffset),
        new("11 111 0 00 10 1 xxxxx xxx x 10 xxxxx xxxxx", "PRFM (register)", &SystemInstructions.Nop, &NoOperands),
        //   size   V    opc  imm9      idx Rn   Rt  (idx: 00 unscaled, 01 post, 10 unprivileged, 11 pre)
        new("xx 111 0 00 00 0 xxxxxxxxx x0 xxxxx xxxxx", "STUR, STTR", &LoadStore.StoreOffset, &SignedOffset),
        new("xx 111 0 00 00 0 xxxxxxxxx 01 xxxxx xxxxx", "STR (post-index)", &LoadStore.StorePost, &SignedOffset),
        new("xx 111 0 00 00 0 xxxxxxxxx 11 xxxxx xxxxx", "STR (pre-index)", &LoadStore.StorePre, &SignedOffset),
        new("xx 111 0 00 01 0 xxxxxxxxx x0 xxxxx xxxxx", "LDUR, LDTR", &LoadStore.LoadOffset, &SignedOffset),
        new("xx 111 0 00 01 0 xxxxxxxxx 01 xxxxx xxxxx", "LDR (post-index)", &LoadStore.LoadPost, &SignedOffset),
        new("xx 111 0 00 01 0 xxxxxxxxx 11 xxxxx xxxxx", "LDR (pre-index)", &LoadStore.LoadPre, &SignedOffset),
        new("0x 111 0 00 1x 0 xxxxxxxxx x0 xxxxx xxxxx", "LDURSB, LDURSH, LDTRSB, LDTRSH", &LoadStore.LoadOffset, &SignedOffset),
        new("0x 111 0 00 1x 0 xxxxxxxxx 01 xxxxx xxxxx", "LDRSB, LDRSH (post-index)", &LoadStore.LoadPost, &SignedOffset),
        new("0x 111 0 00 1x 0 xxxxxxxxx 11 xxxxx xxxxx", "LDRSB, LDRSH (pre-index)", &LoadStore.LoadPre, &SignedOffset),
        new("10 111 0 00 10 0 xxxxxxxxx x0 xxxxx xxxxx", "LDURSW, LDTRSW", &LoadStore.LoadOffset, &SignedOffset),
        new("10 111 0 00 10 0 xxxxxxxxx 01 xxxxx xxxxx", "LDRSW (post-index)", &LoadStore.LoadPost, &SignedOffset),
        new("10 111 0 00 10 0 xxxxxxxxx 11 xxxxx xxxxx", "LDRSW (pre-index)", &LoadStore.LoadPre, &SignedOffset),
        new("11 111 0 00 10 0 xxxxxxxxx x0 xxxxx xxxxx", "PRFUM", &SystemInstructions.Nop, &NoOperands),
    ];
}
