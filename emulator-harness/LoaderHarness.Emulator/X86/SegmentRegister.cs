namespace LoaderHarness.Emulator.X86;

/// <summary>Segment registers in their instruction-encoding order (SDM Vol. 2 §3.1.1.3), then LDTR and TR.</summary>
public enum SegmentRegister
{
    /// <summary>ES.</summary>
    Es,
    /// <summary>CS.</summary>
    Cs,
    /// <summary>SS.</summary>
    Ss,
    /// <summary>DS.</summary>
    Ds,
    /// <summary>FS.</summary>
    Fs,
    /// <summary>GS.</summary>
    Gs,
    /// <summary>Local descriptor table register.</summary>
    Ldtr,
    /// <summary>Task register.</summary>
    Tr,
}
