namespace LoaderHarness.Emulator.Devices.Gic;

/// <summary>The GICv3 CPU interface system registers the engine models (Arm IHI 0069 §12.2, ICC_*_EL1).</summary>
public enum GicCpuRegister : byte
{
    /// <summary>Not a CPU interface register the GIC answers (reads as zero, writes ignored).</summary>
    None,
    /// <summary>ICC_PMR_EL1: priority mask.</summary>
    Pmr,
    /// <summary>ICC_IAR0_EL1: acknowledge a group 0 interrupt.</summary>
    Iar0,
    /// <summary>ICC_EOIR0_EL1: end of a group 0 interrupt.</summary>
    Eoir0,
    /// <summary>ICC_HPPIR0_EL1: highest pending group 0 interrupt.</summary>
    Hppir0,
    /// <summary>ICC_BPR0_EL1: group 0 binary point.</summary>
    Bpr0,
    /// <summary>ICC_IAR1_EL1: acknowledge a group 1 interrupt.</summary>
    Iar1,
    /// <summary>ICC_EOIR1_EL1: end of a group 1 interrupt (priority drop, and deactivation when EOImode = 0).</summary>
    Eoir1,
    /// <summary>ICC_HPPIR1_EL1: highest pending group 1 interrupt.</summary>
    Hppir1,
    /// <summary>ICC_BPR1_EL1: group 1 binary point.</summary>
    Bpr1,
    /// <summary>ICC_DIR_EL1: deactivate (EOImode = 1).</summary>
    Dir,
    /// <summary>ICC_RPR_EL1: running priority.</summary>
    Rpr,
    /// <summary>ICC_SGI1R_EL1: generate a group 1 SGI.</summary>
    Sgi1r,
    /// <summary>ICC_ASGI1R_EL1: generate an SGI for the other security state (one state here: as SGI1R).</summary>
    Asgi1r,
    /// <summary>ICC_SGI0R_EL1: generate a group 0 SGI (made pending like SGI1R).</summary>
    Sgi0r,
    /// <summary>ICC_CTLR_EL1: PRIbits, IDbits, EOImode.</summary>
    Ctlr,
    /// <summary>ICC_SRE_EL1 / ICC_SRE_EL2: system register enable (always on).</summary>
    Sre,
    /// <summary>ICC_IGRPEN0_EL1: group 0 enable.</summary>
    Igrpen0,
    /// <summary>ICC_IGRPEN1_EL1: group 1 enable.</summary>
    Igrpen1,
}
