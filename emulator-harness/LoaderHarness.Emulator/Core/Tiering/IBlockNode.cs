namespace LoaderHarness.Emulator.Core.Tiering;

/// <summary>
/// One guest instruction of a block being translated, as the architecture-neutral passes over the block
/// (<see cref="BasicBlocks"/>) see it. Implemented by each translator's node struct and used only as a generic
/// constraint, so every call binds directly, at translation time only.
/// </summary>
internal interface IBlockNode
{
    /// <summary>The instruction's address (RIP, PC).</summary>
    ulong Pc { get; }

    /// <summary>Where it goes next.</summary>
    BlockFlow Flow { get; }

    /// <summary>Whether a basic block starts here (the run's limit is checked here).</summary>
    bool Leader { get; set; }

    /// <summary>For a leader: instructions in its basic block; 0 otherwise.</summary>
    int BlockLength { get; set; }

    /// <summary>Position inside its basic block.</summary>
    int IndexInBlock { get; set; }

    /// <summary>Length of the basic block it belongs to.</summary>
    int OwnBlockLength { get; set; }

    /// <summary>
    /// Whether it needs the flags exact before it: it reads them, or it may take a slow path (a fault, a device, a
    /// watch) that sees the CPU's state.
    /// </summary>
    bool NeedsFlags { get; }

    /// <summary>Whether it replaces all the flags without reading them.</summary>
    bool ReplacesFlags { get; }

    /// <summary>Whether the flags it writes can be read (by a later instruction, an exit or a slow path) before they are replaced.</summary>
    bool FlagsLive { get; set; }
}
