using LoaderHarness.Emulator.Core.Tiering;

namespace LoaderHarness.Emulator.Arm64.Tier2;

/// <summary>One guest instruction of a block being translated: where it is, its decoded form and what the translator found out about it.</summary>
internal struct A64Node : IBlockNode
{
    /// <summary>The instruction's virtual address.</summary>
    public ulong Pc;

    /// <summary>Its decoded entry (a copy: the page's entry array may grow while the block is discovered).</summary>
    public A64Instruction D;

    public A64Op Op;

    /// <summary>Where it goes next: direct branches to PC + Imm, everything else that goes on to PC + 4, where BL and BLR return.</summary>
    public readonly BlockFlow Flow => new()
    {
        Next = Pc + 4,
        FallsThrough = A64OpClassifier.FallsThrough(Op),
        Branches = A64OpClassifier.HasTarget(Op),
        Target = Pc + D.Imm,
        Calls = Op is A64Op.Bl or A64Op.Blr,
        Conditional = A64OpClassifier.IsBranch(Op),
    };

    readonly ulong IBlockNode.Pc => Pc;

    /// <summary>It reads NZCV or may take a slow path (<see cref="A64OpClassifier.TakesSlowPath"/>).</summary>
    public readonly bool NeedsFlags => A64OpClassifier.ReadsFlags(Op) || A64OpClassifier.TakesSlowPath(Op);

    /// <summary>It writes all four of NZCV (<see cref="A64OpClassifier.WritesFlags"/>).</summary>
    public readonly bool ReplacesFlags => A64OpClassifier.WritesFlags(Op);

    /// <summary>Starts a basic block: reached by a branch, or first after an instruction that does not fall through to it.</summary>
    public bool Leader { get; set; }

    /// <summary>Position inside its basic block.</summary>
    public int IndexInBlock { get; set; }

    /// <summary>Length of the basic block it belongs to.</summary>
    public int OwnBlockLength { get; set; }

    /// <summary>Length of the basic block it leads (0 unless <see cref="Leader"/>).</summary>
    public int BlockLength { get; set; }

    /// <summary>Whether the NZCV it writes may be read (by a later instruction, an exit or a slow path); dead writes are not emitted.</summary>
    public bool FlagsLive { get; set; }
}
