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
    /// <summary>CNTPCT_EL0: the system counter (retired instructions plus idle ticks skipped at WFI).</summary>
    Counter,
    /// <summary>CNTVCT_EL0: the system counter minus CNTVOFF_EL2.</summary>
    VirtualCounter,
    /// <summary>CNT{P,V,HP}_CTL: ENABLE and IMASK stored, ISTATUS computed; writes update the timer output.</summary>
    TimerControl,
    /// <summary>CNT{P,V,HP}_CVAL and CNTVOFF_EL2: storage whose writes update the timer outputs.</summary>
    TimerCompare,
    /// <summary>CNT{P,V,HP}_TVAL: CVAL minus the counter, as a signed 32-bit value.</summary>
    TimerValue,
    /// <summary>ISR_EL1: the I bit (7) follows the IRQ input.</summary>
    InterruptStatus,
    /// <summary>ICC_*: answered by the attached GICv3's CPU interface; zero without one.</summary>
    GicCpuInterface,
    /// <summary>OSLSR_EL1: OS lock implemented (OSLM = 0b10), locked state from OSLAR_EL1.</summary>
    OsLockStatus,
    /// <summary>OSLAR_EL1: writes set the OS lock.</summary>
    OsLockAccess,
}
