namespace LoaderHarness.Emulator.Arm64;

/// <summary>How MRS/MSR treat a system register.</summary>
internal enum SystemRegisterKind : byte
{
    /// <summary>Storage: reads return what was written.</summary>
    Plain,
    /// <summary>Storage whose writes change translation (SCTLR, TCR, TTBRx, HCR): the TLB is flushed.</summary>
    Translation,
    /// <summary>Identification: reads the identity value, writes are ignored.</summary>
    ReadOnly,
    /// <summary>Reserved or absent feature register: reads as zero, writes ignored.</summary>
    ReadAsZero,
    /// <summary>ID_AA64PFR0_EL1: the identity with the EL2 field cleared unless the guest owns EL2.</summary>
    Pfr0,
    CurrentEl,
    Nzcv,
    Daif,
    SpSel,
    SpEl0,
    SpEl1,
    /// <summary>CNTPCT_EL0 / CNTVCT_EL0: the instruction count stands in for the system counter.</summary>
    Counter,
    /// <summary>OSLSR_EL1: OS lock implemented (OSLM = 0b10), locked state from OSLAR_EL1.</summary>
    OsLockStatus,
    /// <summary>OSLAR_EL1: writes set the OS lock.</summary>
    OsLockAccess,
}
