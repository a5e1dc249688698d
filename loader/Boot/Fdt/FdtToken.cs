namespace LoaderHarness.Loader.Boot.Fdt;

/// <summary>Structure-block tokens (DT spec v0.4 §5.4.1), each a big-endian u32 on a 4-byte boundary.</summary>
internal enum FdtToken : uint
{
    /// <summary><c>FDT_BEGIN_NODE</c>: followed by the NUL-terminated unit name, padded to 4 bytes.</summary>
    BeginNode = 0x1,
    /// <summary><c>FDT_END_NODE</c>: closes the innermost open node.</summary>
    EndNode = 0x2,
    /// <summary><c>FDT_PROP</c>: followed by <c>len</c>, <c>nameoff</c> and <c>len</c> value bytes, padded.</summary>
    Prop = 0x3,
    /// <summary><c>FDT_NOP</c>: ignored by readers.</summary>
    Nop = 0x4,
    /// <summary><c>FDT_END</c>: the last token of the structure block.</summary>
    End = 0x9,
}
