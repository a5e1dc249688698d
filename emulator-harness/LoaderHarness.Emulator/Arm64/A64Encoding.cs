using System.Numerics;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// One row of the A64 decode table: the encoding's bit pattern as the Arm ARM's encoding diagrams draw it
/// (DDI 0487, C4.1 "A64 instruction set encoding"), the handler that executes it, and the operand shape
/// that extracts its fields. The shape also applies the checks of the instruction's decode pseudocode
/// ("if sf == '0' &amp;&amp; imm6&lt;5&gt; == '1' then UNDEFINED") and declines the word when one fails.
/// </summary>
internal readonly unsafe struct A64Encoding
{
    /// <summary>Bits the pattern fixes.</summary>
    public readonly uint Mask;

    /// <summary>The fixed bits' values (zero outside <see cref="Mask"/>).</summary>
    public readonly uint Value;

    /// <summary>The encoding's name for diagnostics ("ADD (immediate)").</summary>
    public readonly string Name;

    /// <summary>The handler a word matching this row runs.</summary>
    public readonly delegate*<Arm64Cpu, ref A64Instruction, void> Handler;

    /// <summary>Fills the operand fields of a matching word; false when the decode pseudocode makes it UNDEFINED.</summary>
    public readonly delegate*<uint, ref A64Instruction, bool> Operands;

    /// <summary>
    /// A row from a pattern of 32 bits, bit 31 first: <c>0</c> and <c>1</c> are fixed, <c>x</c> is any;
    /// spaces separate the fields of the encoding diagram and are ignored.
    /// </summary>
    public A64Encoding(string pattern, string name, delegate*<Arm64Cpu, ref A64Instruction, void> handler, delegate*<uint, ref A64Instruction, bool> operands)
    {
        (Mask, Value) = Parse(pattern);
        Name = name;
        Handler = handler;
        Operands = operands;
    }

    /// <summary>How many bits the pattern fixes: the index tries more specific rows first.</summary>
    public int FixedBits => BitOperations.PopCount(Mask);

    /// <summary>Whether <paramref name="word"/> has this row's fixed bits.</summary>
    public bool Matches(uint word) => (word & Mask) == Value;

    /// <summary>The mask and value of a pattern; throws unless it has exactly 32 bits and only 0, 1, x and spaces.</summary>
    public static (uint Mask, uint Value) Parse(string pattern)
    {
        uint mask = 0, value = 0;
        var bits = 0;
        foreach (var bit in pattern)
        {
            if (bit == ' ')
                continue;
            bits++;
            mask <<= 1;
            value <<= 1;
            switch (bit)
            {
                case '0':
                    mask |= 1;
                    break;
                case '1':
                    mask |= 1;
                    value |= 1;
                    break;
                case 'x':
                    break;
                default:
                    throw new ArgumentException($"A64 pattern '{pattern}' has '{bit}': only 0, 1, x and spaces", nameof(pattern));
            }
        }
        if (bits != 32)
            throw new ArgumentException($"A64 pattern '{pattern}' has {bits} bits, not 32", nameof(pattern));
        return (mask, value);
    }
}
