using LoaderHarness.Emulator.Core.Tiering;

namespace LoaderHarness.Emulator.X86.Tier2;

/// <summary>One guest instruction of a block being translated, with what the translator derived for it.</summary>
internal struct GuestNode : IBlockNode
{
    /// <summary>Its RIP (offset in CS).</summary>
    public ulong Rip;

    /// <summary>A copy of its decoded entry.</summary>
    public DecodedInstruction D;

    /// <summary>What it does.</summary>
    public GuestOp Op;

    /// <summary>Its place in discovery order: the block with a limit of N holds exactly the nodes found before N (<see cref="GuestBlock.Take"/>).</summary>
    public int Found;

    /// <summary>
    /// Where it goes next: direct branches and calls to their target, a call returns to the instruction after it. An indirect
    /// call leaves the block for a target known only at run time, and its return site is not taken in: the callee's return
    /// arrives there through the run loop, not from a return in this block.
    /// </summary>
    public readonly BlockFlow Flow => new()
    {
        Next = D.NextIP,
        FallsThrough = Op is not (GuestOp.Jmp or GuestOp.Call or GuestOp.CallIndirect or GuestOp.Ret),
        Branches = Op is GuestOp.Jcc or GuestOp.Jmp or GuestOp.Call,
        Target = D.Target,
        Calls = Op == GuestOp.Call,
        Conditional = Op == GuestOp.Jcc,
    };

    readonly ulong IBlockNode.Pc => Rip;

    /// <summary>Whether the instruction accesses memory (may miss the TLB, fault, or reach a device) or may fault otherwise (DIV's #DE).</summary>
    public readonly bool MayTakeSlowPath
        => Op is GuestOp.Push or GuestOp.Pop or GuestOp.Call or GuestOp.CallIndirect or GuestOp.Ret or GuestOp.Div or GuestOp.Pushf or GuestOp.Leave
               or GuestOp.Stos or GuestOp.Movs or GuestOp.RepStos or GuestOp.RepMovs
           || (Op is not (GuestOp.Lea or GuestOp.Nop) && (D.K0 == OperandKind.Memory || D.K1 == OperandKind.Memory));

    /// <summary>It reads the flags or may take a slow path.</summary>
    public readonly bool NeedsFlags => GuestOpClassifier.ReadsFlags(Op) || MayTakeSlowPath;

    /// <summary>It replaces all six arithmetic flags (<see cref="GuestOpClassifier.WritesAllFlags"/>).</summary>
    public readonly bool ReplacesFlags => GuestOpClassifier.WritesAllFlags(Op);

    /// <summary>Whether a basic block starts here (the budget is checked here).</summary>
    public bool Leader { get; set; }

    /// <summary>For a leader: instructions in its basic block.</summary>
    public int BlockLength { get; set; }

    /// <summary>Index within its basic block.</summary>
    public int IndexInBlock { get; set; }

    /// <summary>Length of the basic block it belongs to.</summary>
    public int OwnBlockLength { get; set; }

    /// <summary>Whether the flags it writes can be read (by a later instruction, an exit or a fault) before they are overwritten.</summary>
    public bool FlagsLive { get; set; }

    /// <summary>
    /// Registers (bit per slot) some path from the block's entry through this instruction may have changed, and whether
    /// the flags may have: what a spill before its slow path writes back. The rest still hold what the CPU holds.
    /// </summary>
    public uint ChangedRegisters;

    /// <summary>Whether some path from the block's entry through this instruction may have changed the flags.</summary>
    public bool ChangedFlags;
}
