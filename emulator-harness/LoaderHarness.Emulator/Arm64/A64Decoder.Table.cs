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
        // ---- Branches, exception generation and system instructions (C4.1.85) ----
        //   op    imm26
        new("000101 00000000000000000000000000", "B (to itself)", &Branches.BranchSelf, &BranchImmediate),
        new("000101 xxxxxxxxxxxxxxxxxxxxxxxxxx", "B", &Branches.Branch, &BranchImmediate),
        new("100101 xxxxxxxxxxxxxxxxxxxxxxxxxx", "BL", &Branches.BranchLink, &BranchImmediate),
        //   sf        op imm19               Rt
        new("x 011010 0 xxxxxxxxxxxxxxxxxxx xxxxx", "CBZ", &Branches.Cbz, &CompareAndBranch),
        new("x 011010 1 xxxxxxxxxxxxxxxxxxx xxxxx", "CBNZ", &Branches.Cbnz, &CompareAndBranch),
        //   b5        op b40   imm14          Rt
        new("x 011011 0 xxxxx xxxxxxxxxxxxxx xxxxx", "TBZ", &Branches.Tbz, &TestAndBranch),
        new("x 011011 1 xxxxx xxxxxxxxxxxxxx xxxxx", "TBNZ", &Branches.Tbnz, &TestAndBranch),
        //   o1          imm19            o0 cond
        new("0101010 0 xxxxxxxxxxxxxxxxxxx 0 xxxx", "B.cond", &Branches.BranchConditional, &ConditionalBranch),

        //           opc imm16            op2 LL
        new("11010100 000 xxxxxxxxxxxxxxxx 000 01", "SVC", &SystemInstructions.Svc, &ExceptionImmediate),
        new("11010100 000 xxxxxxxxxxxxxxxx 000 10", "HVC", &SystemInstructions.Hvc, &ExceptionImmediate),
        new("11010100 000 xxxxxxxxxxxxxxxx 000 11", "SMC", &SystemInstructions.Smc, &ExceptionImmediate),
        new("11010100 001 xxxxxxxxxxxxxxxx 000 00", "BRK", &SystemInstructions.Brk, &ExceptionImmediate),

        //             L op0 op1 CRn  CRm  op2 Rt
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

        //          opc  op2   op3    Rn    op4 (pointer-authenticated forms are not implemented)
        new("1101011 0000 11111 000000 xxxxx 00000", "BR", &Branches.BranchRegister, &RegisterTarget),
        new("1101011 0001 11111 000000 xxxxx 00000", "BLR", &Branches.BranchLinkRegister, &RegisterTarget),
        new("1101011 0010 11111 000000 xxxxx 00000", "RET", &Branches.Return, &RegisterTarget),
        new("1101011 0100 11111 000000 11111 00000", "ERET", &SystemInstructions.Eret, &RegisterTarget),
    ];
}
