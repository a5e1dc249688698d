using System.Reflection.Emit;

namespace LoaderHarness.Emulator.Arm64.Tier2;

/// <summary>One guest instruction of a block being translated: where it is, its decoded form and what the translator found out about it.</summary>
internal struct A64Node
{
    /// <summary>The instruction's virtual address.</summary>
    public ulong Pc;

    /// <summary>Its decoded entry (a copy: the page's entry array may grow while the block is discovered).</summary>
    public A64Instruction D;

    public A64Op Op;

    /// <summary>Starts a basic block: reached by a branch, or first after an instruction that does not fall through to it.</summary>
    public bool Leader;

    /// <summary>Position inside its basic block.</summary>
    public int IndexInBlock;

    /// <summary>Length of the basic block it belongs to.</summary>
    public int OwnBlockLength;

    /// <summary>Length of the basic block it leads (0 unless <see cref="Leader"/>).</summary>
    public int BlockLength;

    /// <summary>Whether the NZCV it writes may be read (by a later instruction, an exit or a slow path); dead writes are not emitted.</summary>
    public bool FlagsLive;

    public Label Label;
}
