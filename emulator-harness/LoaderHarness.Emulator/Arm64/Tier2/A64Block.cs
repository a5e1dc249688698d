using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;

namespace LoaderHarness.Emulator.Arm64.Tier2;

/// <summary>
/// The instructions of one A64 block, found for either back end of the compiling tier (IL for the JIT,
/// <see cref="A64Translator"/>; host machine code, <see cref="HostCode.A64HostTranslator"/>): starting at one entry, every
/// instruction the back end covers in the same code page reachable from it by fall-through and direct branches that has
/// run before, sorted by address, with their basic blocks and flag liveness. Found on the CPU's thread; the back end may
/// then build from it on another, since it holds copies of the decoded entries.
/// </summary>
internal sealed class A64Block
{
    /// <summary>
    /// Most guest instructions per block, bounding translation and JIT time: booting Debian's 6.1 arm64 Image to
    /// /init (blocks of instructions that have run), caps of 32 and 48 took 10–15 % less process CPU time than 128.
    /// </summary>
    public const int MaxInstructions = 48;

    private A64Block(ulong headPc, bool headBreakpoint)
    {
        HeadPc = headPc;
        HeadBreakpoint = headBreakpoint;
    }

    /// <summary>The virtual address of the block's entry.</summary>
    public ulong HeadPc { get; }

    /// <summary>Whether the head's entry carries a breakpoint or stop mark (a branch back to it leaves the block).</summary>
    public bool HeadBreakpoint { get; }

    /// <summary>The instructions, sorted by address.</summary>
    public List<A64Node> Nodes { get; } = [];

    /// <summary>Each instruction's index in <see cref="Nodes"/>, by address.</summary>
    public Dictionary<ulong, int> Index { get; } = [];

    /// <summary>Where the block's BL and BLR return: a RET there may stay in the block.</summary>
    public List<ulong> ReturnSites { get; } = [];

    /// <summary>
    /// The block at <paramref name="pc"/> (in <paramref name="page"/>, the CPU's fetch page), of the ops
    /// <paramref name="covers"/> accepts (all that <see cref="A64OpClassifier"/> classifies when null), with its basic
    /// blocks and flag liveness found; null when the first instruction is not covered.
    /// </summary>
    public static A64Block? Find(Arm64Cpu cpu, CodePage<A64Instruction> page, ulong pc, Func<A64Op, A64Instruction, bool>? covers = null)
    {
        var slot = cpu.CompiledSlotAt(page, pc);
        if (slot == 0)
            return null;
        var block = new A64Block(pc, page.Entries[slot].Breakpoint);
        if (!block.Discover(cpu, page, covers))
            return null;
        BasicBlocks.FindLeaders(block.Nodes, block.Index, block.HeadPc, block.HeadBreakpoint);
        BasicBlocks.FindFlagLiveness(block.Nodes);
        return block;
    }

    /// <summary>Collects the covered instructions reachable from the head inside the page; false when the head is not covered.</summary>
    private bool Discover(Arm64Cpu cpu, CodePage<A64Instruction> page, Func<A64Op, A64Instruction, bool>? covers)
    {
        var work = new Stack<ulong>();
        work.Push(HeadPc);
        while (work.Count != 0 && Nodes.Count < MaxInstructions)
        {
            var pc = work.Pop();
            if (Index.ContainsKey(pc))
                continue;
            var slot = cpu.DecodedSlotAt(page, pc);
            if (slot == 0)
                continue;
            var d = page.Entries[slot];
            // Another block's head is left to that block (chaining enters it), unless that block is small (TierPolicy.InlinedBlockLimit).
            if (pc != HeadPc && (d.Breakpoint || d.Compiled > 0 && cpu.CompiledInstructionCount(d.Compiled) > TierPolicy.InlinedBlockLimit))
                continue;
            var op = A64OpClassifier.Classify(in d);
            if (op == A64Op.None || covers is not null && !covers(op, d))
                continue;
            Index[pc] = -1;
            Nodes.Add(new A64Node { Pc = pc, D = d, Op = op });
            if (A64OpClassifier.HasTarget(op))
                work.Push(pc + d.Imm);
            if (op is not (A64Op.B or A64Op.Br or A64Op.Ret))
                work.Push(pc + 4); // for BL and BLR, the return site: a RET in the block that returns there stays in it
            if (op is A64Op.Bl or A64Op.Blr)
                ReturnSites.Add(pc + 4);
        }
        if (Nodes.Count == 0 || Nodes[0].Pc != HeadPc)
            return false;
        Nodes.Sort((a, b) => a.Pc.CompareTo(b.Pc));
        Index.Clear();
        for (var i = 0; i < Nodes.Count; i++)
            Index[Nodes[i].Pc] = i;
        return true;
    }

    /// <summary>Whether <paramref name="pc"/> is a node a branch may reach inside the block (<see cref="BasicBlocks.InBlock"/>).</summary>
    public bool InBlock(ulong pc, out int node) => BasicBlocks.InBlock(Index, pc, HeadPc, HeadBreakpoint, out node);
}
