namespace LoaderHarness.Emulator.Devices.Gic;

/// <summary>The GICv3 CPU interface system registers the engine models (Arm IHI 0069 §12.2, ICC_*_EL1).</summary>
public enum GicCpuRegister : byte
{
    /// <summary>Not a CPU interface register the GIC answers (reads as zero, writes ignored).</summary>
    None,
    Pmr,
    Iar0,
    Eoir0,
    Hppir0,
    Bpr0,
    Iar1,
    Eoir1,
    Hppir1,
    Bpr1,
    Dir,
    Rpr,
    Sgi1r,
    Asgi1r,
    Sgi0r,
    Ctlr,
    Sre,
    Igrpen0,
    Igrpen1,
}
