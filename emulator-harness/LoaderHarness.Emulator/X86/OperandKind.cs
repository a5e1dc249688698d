namespace LoaderHarness.Emulator.X86;

/// <summary>Operand classes the fast operand accessors distinguish (Iced's <c>OpKind</c>, folded).</summary>
internal enum OperandKind : byte
{
    /// <summary>No such operand, or one the handler reads itself (branch targets, string operands).</summary>
    None,
    /// <summary>A general-purpose register (any width).</summary>
    Gpr,
    /// <summary>The ModRM memory operand.</summary>
    Memory,
    /// <summary>An immediate.</summary>
    Immediate,
    /// <summary>Any other register (segment, control, debug, XMM...): read through Iced's register name.</summary>
    OtherRegister,
}
