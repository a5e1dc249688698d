namespace LoaderHarness.Emulator.X86;

/// <summary>Which operation last set the arithmetic flags, so they can be computed only when read.</summary>
internal enum LazyOp : byte
{
    /// <summary>Flags are materialised in <see cref="X86Cpu.FlArith"/>.</summary>
    None,
    /// <summary>ADD: r = a + b.</summary>
    Add,
    /// <summary>ADC: r = a + b + aux.</summary>
    Adc,
    /// <summary>SUB/CMP/NEG: r = a − b.</summary>
    Sub,
    /// <summary>SBB: r = a − b − aux.</summary>
    Sbb,
    /// <summary>AND/OR/XOR/TEST: CF = OF = AF = 0.</summary>
    Logic,
    /// <summary>INC: like ADD with b = 1, CF kept in aux.</summary>
    Inc,
    /// <summary>DEC: like SUB with b = 1, CF kept in aux.</summary>
    Dec,
}
