using K = LoaderHarness.Emulator.Arm64.SystemRegisterKind;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// The system registers early kernel code touches, with encodings from the Arm ARM (DDI 0487, D19
/// "AArch64 System Register Descriptions" / Linux arch/arm64/include/asm/sysreg.h). Index = slot in
/// <see cref="Arm64Cpu"/>'s register store. Generated-style table: one line per register.
/// </summary>
internal static class SystemRegisterTable
{
    private static readonly SystemRegisterDefinition[] Core =
    [
        // Identification (op0 3, op1 0, CRn 0).
        D("MIDR_EL1", 3, 0, 0, 0, 0, K.ReadOnly),
        D("MPIDR_EL1", 3, 0, 0, 0, 5, K.ReadOnly),
        D("REVIDR_EL1", 3, 0, 0, 0, 6, K.ReadAsZero),
        D("ID_AA64PFR0_EL1", 3, 0, 0, 4, 0, K.Pfr0),
        D("ID_AA64PFR1_EL1", 3, 0, 0, 4, 1, K.ReadOnly),
        D("ID_AA64DFR0_EL1", 3, 0, 0, 5, 0, K.ReadOnly),
        D("ID_AA64ISAR0_EL1", 3, 0, 0, 6, 0, K.ReadOnly),
        D("ID_AA64ISAR1_EL1", 3, 0, 0, 6, 1, K.ReadOnly),
        D("ID_AA64MMFR0_EL1", 3, 0, 0, 7, 0, K.ReadOnly),
        D("ID_AA64MMFR1_EL1", 3, 0, 0, 7, 1, K.ReadOnly),
        D("ID_AA64MMFR2_EL1", 3, 0, 0, 7, 2, K.ReadOnly),
        D("CCSIDR_EL1", 3, 1, 0, 0, 0, K.ReadOnly),
        D("CLIDR_EL1", 3, 1, 0, 0, 1, K.ReadOnly),
        D("AIDR_EL1", 3, 1, 0, 0, 7, K.ReadAsZero),
        D("CSSELR_EL1", 3, 2, 0, 0, 0, K.Plain),
        D("CTR_EL0", 3, 3, 0, 0, 1, K.ReadOnly),
        D("DCZID_EL0", 3, 3, 0, 0, 7, K.ReadOnly),
        D("VPIDR_EL2", 3, 4, 0, 0, 0, K.Plain),
        D("VMPIDR_EL2", 3, 4, 0, 0, 5, K.Plain),

        // System control.
        D("SCTLR_EL1", 3, 0, 1, 0, 0, K.Translation),
        D("ACTLR_EL1", 3, 0, 1, 0, 1, K.Plain),
        D("CPACR_EL1", 3, 0, 1, 0, 2, K.Plain),
        D("ZCR_EL1", 3, 0, 1, 2, 0, K.Plain),
        D("SCTLR_EL2", 3, 4, 1, 0, 0, K.Translation),
        D("ACTLR_EL2", 3, 4, 1, 0, 1, K.Plain),
        D("HCR_EL2", 3, 4, 1, 1, 0, K.Translation),
        D("MDCR_EL2", 3, 4, 1, 1, 1, K.Plain),
        D("CPTR_EL2", 3, 4, 1, 1, 2, K.Plain),
        D("HSTR_EL2", 3, 4, 1, 1, 3, K.Plain),
        D("HFGRTR_EL2", 3, 4, 1, 1, 4, K.Plain),
        D("HFGWTR_EL2", 3, 4, 1, 1, 5, K.Plain),
        D("HFGITR_EL2", 3, 4, 1, 1, 6, K.Plain),
        D("HACR_EL2", 3, 4, 1, 1, 7, K.Plain),
        D("ZCR_EL2", 3, 4, 1, 2, 0, K.Plain),
        D("HCRX_EL2", 3, 4, 1, 2, 2, K.Plain),

        // Translation.
        D("TTBR0_EL1", 3, 0, 2, 0, 0, K.Translation),
        D("TTBR1_EL1", 3, 0, 2, 0, 1, K.Translation),
        D("TCR_EL1", 3, 0, 2, 0, 2, K.Translation),
        D("TTBR0_EL2", 3, 4, 2, 0, 0, K.Translation),
        D("TTBR1_EL2", 3, 4, 2, 0, 1, K.Translation),
        D("TCR_EL2", 3, 4, 2, 0, 2, K.Translation),
        D("VTTBR_EL2", 3, 4, 2, 1, 0, K.Plain),
        D("VTCR_EL2", 3, 4, 2, 1, 2, K.Plain),

        // Exception state.
        D("SPSR_EL1", 3, 0, 4, 0, 0, K.Plain),
        D("ELR_EL1", 3, 0, 4, 0, 1, K.Plain),
        D("SP_EL0", 3, 0, 4, 1, 0, K.SpEl0),
        D("SPSEL", 3, 0, 4, 2, 0, K.SpSel),
        D("CURRENTEL", 3, 0, 4, 2, 2, K.CurrentEl),
        D("NZCV", 3, 3, 4, 2, 0, K.Nzcv),
        D("DAIF", 3, 3, 4, 2, 1, K.Daif),
        D("FPCR", 3, 3, 4, 4, 0, K.Plain),
        D("FPSR", 3, 3, 4, 4, 1, K.Plain),
        D("SPSR_EL2", 3, 4, 4, 0, 0, K.Plain),
        D("ELR_EL2", 3, 4, 4, 0, 1, K.Plain),
        D("SP_EL1", 3, 4, 4, 1, 0, K.SpEl1),
        D("AFSR0_EL1", 3, 0, 5, 1, 0, K.Plain),
        D("AFSR1_EL1", 3, 0, 5, 1, 1, K.Plain),
        D("ESR_EL1", 3, 0, 5, 2, 0, K.Plain),
        D("AFSR0_EL2", 3, 4, 5, 1, 0, K.Plain),
        D("AFSR1_EL2", 3, 4, 5, 1, 1, K.Plain),
        D("ESR_EL2", 3, 4, 5, 2, 0, K.Plain),
        D("FAR_EL1", 3, 0, 6, 0, 0, K.Plain),
        D("FAR_EL2", 3, 4, 6, 0, 0, K.Plain),
        D("HPFAR_EL2", 3, 4, 6, 0, 4, K.Plain),
        D("PAR_EL1", 3, 0, 7, 4, 0, K.Plain),

        // Memory attributes, vectors, context.
        D("MAIR_EL1", 3, 0, 10, 2, 0, K.Plain),
        D("AMAIR_EL1", 3, 0, 10, 3, 0, K.Plain),
        D("MAIR_EL2", 3, 4, 10, 2, 0, K.Plain),
        D("AMAIR_EL2", 3, 4, 10, 3, 0, K.Plain),
        D("VBAR_EL1", 3, 0, 12, 0, 0, K.Plain),
        D("ISR_EL1", 3, 0, 12, 1, 0, K.InterruptStatus),
        D("VBAR_EL2", 3, 4, 12, 0, 0, K.Plain),
        D("CONTEXTIDR_EL1", 3, 0, 13, 0, 1, K.Plain),
        D("TPIDR_EL1", 3, 0, 13, 0, 4, K.Plain),
        D("TPIDR_EL0", 3, 3, 13, 0, 2, K.Plain),
        D("TPIDRRO_EL0", 3, 3, 13, 0, 3, K.Plain),
        D("CONTEXTIDR_EL2", 3, 4, 13, 0, 1, K.Plain),
        D("TPIDR_EL2", 3, 4, 13, 0, 2, K.Plain),
        D("AMUSERENR_EL0", 3, 3, 13, 2, 3, K.Plain),

        // Generic timer (Arm ARM D11 "The Generic Timer in AArch64 state").
        D("CNTFRQ_EL0", 3, 3, 14, 0, 0, K.Plain),
        D("CNTPCT_EL0", 3, 3, 14, 0, 1, K.Counter),
        D("CNTVCT_EL0", 3, 3, 14, 0, 2, K.VirtualCounter),
        D("CNTKCTL_EL1", 3, 0, 14, 1, 0, K.Plain),
        D("CNTP_TVAL_EL0", 3, 3, 14, 2, 0, K.TimerValue),
        D("CNTP_CTL_EL0", 3, 3, 14, 2, 1, K.TimerControl),
        D("CNTP_CVAL_EL0", 3, 3, 14, 2, 2, K.TimerCompare),
        D("CNTV_TVAL_EL0", 3, 3, 14, 3, 0, K.TimerValue),
        D("CNTV_CTL_EL0", 3, 3, 14, 3, 1, K.TimerControl),
        D("CNTV_CVAL_EL0", 3, 3, 14, 3, 2, K.TimerCompare),
        D("CNTVOFF_EL2", 3, 4, 14, 0, 3, K.TimerCompare),
        D("CNTHCTL_EL2", 3, 4, 14, 1, 0, K.Plain),
        D("CNTHP_TVAL_EL2", 3, 4, 14, 2, 0, K.TimerValue),
        D("CNTHP_CTL_EL2", 3, 4, 14, 2, 1, K.TimerControl),
        D("CNTHP_CVAL_EL2", 3, 4, 14, 2, 2, K.TimerCompare),

        // GICv3 CPU interface (Arm IHI 0069 §12.2; Linux arch/arm64/include/asm/sysreg.h SYS_ICC_*).
        D("ICC_PMR_EL1", 3, 0, 4, 6, 0, K.GicCpuInterface),
        D("ICC_IAR0_EL1", 3, 0, 12, 8, 0, K.GicCpuInterface),
        D("ICC_EOIR0_EL1", 3, 0, 12, 8, 1, K.GicCpuInterface),
        D("ICC_HPPIR0_EL1", 3, 0, 12, 8, 2, K.GicCpuInterface),
        D("ICC_BPR0_EL1", 3, 0, 12, 8, 3, K.GicCpuInterface),
        D("ICC_AP0R0_EL1", 3, 0, 12, 8, 4, K.Plain),
        D("ICC_AP0R1_EL1", 3, 0, 12, 8, 5, K.Plain),
        D("ICC_AP0R2_EL1", 3, 0, 12, 8, 6, K.Plain),
        D("ICC_AP0R3_EL1", 3, 0, 12, 8, 7, K.Plain),
        D("ICC_AP1R0_EL1", 3, 0, 12, 9, 0, K.Plain),
        D("ICC_AP1R1_EL1", 3, 0, 12, 9, 1, K.Plain),
        D("ICC_AP1R2_EL1", 3, 0, 12, 9, 2, K.Plain),
        D("ICC_AP1R3_EL1", 3, 0, 12, 9, 3, K.Plain),
        D("ICC_DIR_EL1", 3, 0, 12, 11, 1, K.GicCpuInterface),
        D("ICC_RPR_EL1", 3, 0, 12, 11, 3, K.GicCpuInterface),
        D("ICC_SGI1R_EL1", 3, 0, 12, 11, 5, K.GicCpuInterface),
        D("ICC_ASGI1R_EL1", 3, 0, 12, 11, 6, K.GicCpuInterface),
        D("ICC_SGI0R_EL1", 3, 0, 12, 11, 7, K.GicCpuInterface),
        D("ICC_IAR1_EL1", 3, 0, 12, 12, 0, K.GicCpuInterface),
        D("ICC_EOIR1_EL1", 3, 0, 12, 12, 1, K.GicCpuInterface),
        D("ICC_HPPIR1_EL1", 3, 0, 12, 12, 2, K.GicCpuInterface),
        D("ICC_BPR1_EL1", 3, 0, 12, 12, 3, K.GicCpuInterface),
        D("ICC_CTLR_EL1", 3, 0, 12, 12, 4, K.GicCpuInterface),
        D("ICC_SRE_EL1", 3, 0, 12, 12, 5, K.GicCpuInterface),
        D("ICC_IGRPEN0_EL1", 3, 0, 12, 12, 6, K.GicCpuInterface),
        D("ICC_IGRPEN1_EL1", 3, 0, 12, 12, 7, K.GicCpuInterface),
        D("ICC_SRE_EL2", 3, 4, 12, 9, 5, K.GicCpuInterface),
        D("ICH_HCR_EL2", 3, 4, 12, 11, 0, K.Plain),
        D("ICH_VTR_EL2", 3, 4, 12, 11, 1, K.ReadOnly),
        D("ICH_VMCR_EL2", 3, 4, 12, 11, 7, K.Plain),

        // Performance monitors (no PMU is advertised; the registers still hold values).
        D("PMCR_EL0", 3, 3, 9, 12, 0, K.Plain),
        D("PMCNTENCLR_EL0", 3, 3, 9, 12, 2, K.Plain),
        D("PMUSERENR_EL0", 3, 3, 9, 14, 0, K.Plain),
        D("PMINTENCLR_EL1", 3, 0, 9, 14, 2, K.Plain),
        D("PMSELR_EL0", 3, 3, 9, 12, 5, K.Plain),

        // Debug (op0 2).
        D("OSDTRRX_EL1", 2, 0, 0, 0, 2, K.Plain),
        D("MDCCINT_EL1", 2, 0, 0, 2, 0, K.Plain),
        D("MDSCR_EL1", 2, 0, 0, 2, 2, K.Plain),
        D("OSDTRTX_EL1", 2, 0, 0, 3, 2, K.Plain),
        D("OSECCR_EL1", 2, 0, 0, 6, 2, K.Plain),
        D("MDRAR_EL1", 2, 0, 1, 0, 0, K.ReadAsZero),
        D("OSLAR_EL1", 2, 0, 1, 0, 4, K.OsLockAccess),
        D("OSLSR_EL1", 2, 0, 1, 1, 4, K.OsLockStatus),
        D("OSDLR_EL1", 2, 0, 1, 3, 4, K.Plain),
        D("DBGPRCR_EL1", 2, 0, 1, 4, 4, K.Plain),
        D("DBGCLAIMSET_EL1", 2, 0, 7, 8, 6, K.Plain),
        D("DBGCLAIMCLR_EL1", 2, 0, 7, 9, 6, K.Plain),
        D("MDCCSR_EL0", 2, 3, 0, 1, 0, K.ReadAsZero),
    ];

    /// <summary>
    /// DBGBVR&lt;n&gt;/DBGBCR&lt;n&gt;/DBGWVR&lt;n&gt;/DBGWCR&lt;n&gt;_EL1 for n = 0–15 (op0 2, op1 0, CRn 0, CRm n, op2 4–7):
    /// storage only; the hardware breakpoints themselves are not modelled.
    /// </summary>
    private static readonly SystemRegisterDefinition[] DebugBreakpoints =
    [
        .. Enumerable.Range(0, 16).SelectMany(n => new[]
        {
            D($"DBGBVR{n}_EL1", 2, 0, 0, n, 4, K.Plain),
            D($"DBGBCR{n}_EL1", 2, 0, 0, n, 5, K.Plain),
            D($"DBGWVR{n}_EL1", 2, 0, 0, n, 6, K.Plain),
            D($"DBGWCR{n}_EL1", 2, 0, 0, n, 7, K.Plain),
        }),
    ];

    /// <summary>Every register; the index is the slot. Declared after its parts: static initialisers run in textual order.</summary>
    public static readonly SystemRegisterDefinition[] All = [.. Core, .. DebugBreakpoints];

    private static readonly Dictionary<ushort, int> ByKey = BuildIndex();
    private static readonly Dictionary<string, int> ByName = All.Select((d, i) => (d.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.OrdinalIgnoreCase);

    /// <summary>Slot of the register with MRS/MSR key <paramref name="key"/>, or -1.</summary>
    public static int Find(ushort key) => ByKey.TryGetValue(key, out var slot) ? slot : -1;

    /// <summary>Slot of the register named <paramref name="name"/> (case-insensitive), or -1.</summary>
    public static int Find(string name) => ByName.TryGetValue(name, out var slot) ? slot : -1;

    /// <summary>Slot of a register the engine itself uses; the name must be in the table.</summary>
    public static int Slot(string name) => ByName[name];

    /// <summary>
    /// Whether <paramref name="key"/> lies in the ID register space (op0 3, op1 0, CRn 0, CRm 1–7) where
    /// unallocated encodings read as zero (Arm ARM D19.2 "reserved ID registers are RAZ").
    /// </summary>
    public static bool IsIdSpace(ushort key) => (key >> 7) == (3 << 7) && ((key >> 3) & 0xF) is >= 1 and <= 7;

    private static Dictionary<ushort, int> BuildIndex()
    {
        var index = new Dictionary<ushort, int>();
        for (var i = 0; i < All.Length; i++)
            index.Add(All[i].Key, i);
        return index;
    }

    private static SystemRegisterDefinition D(string name, int op0, int op1, int crn, int crm, int op2, K kind) =>
        new(name, SystemRegisterDefinition.Encode(op0, op1, crn, crm, op2), kind);
}
