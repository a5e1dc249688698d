using System.Runtime.InteropServices;

namespace LoaderHarness.Emulator.Core.Tiering;

/// <summary>
/// The passes over a block being translated that are the same for every architecture, generic over the
/// translator's node struct (<see cref="IBlockNode"/>): what differs per architecture is only where an instruction
/// goes (<see cref="BlockFlow"/>). They run once per translation, never per executed instruction.
/// </summary>
internal static class BasicBlocks
{
    /// <summary>
    /// Whether <paramref name="pc"/> is an instruction of the block (in <paramref name="index"/>, address to node)
    /// that a branch may reach without going through the run loop: not the head when it carries a breakpoint or stop.
    /// </summary>
    public static bool InBlock(Dictionary<ulong, int> index, ulong pc, ulong head, bool headBreakpoint, out int node)
        => index.TryGetValue(pc, out node) && !(pc == head && headBreakpoint);

    /// <summary>
    /// Marks basic-block leaders in <paramref name="nodes"/> (sorted by address, <paramref name="index"/> maps an address
    /// to its node): the head, branch targets and return sites, and whatever is not reached only by falling through
    /// from the instruction before it; then each node's place in its basic block.
    /// </summary>
    public static void FindLeaders<TNode>(List<TNode> nodes, Dictionary<ulong, int> index, ulong head, bool headBreakpoint)
        where TNode : struct, IBlockNode
    {
        var span = CollectionsMarshal.AsSpan(nodes);
        var predecessors = new int[span.Length];
        var fallOnly = new bool[span.Length];
        for (var i = 0; i < span.Length; i++)
        {
            var flow = span[i].Flow;
            if (flow.Branches && InBlock(index, flow.Target, head, headBreakpoint, out var t))
                predecessors[t] += 2;
            if (flow.Calls && InBlock(index, flow.Next, head, headBreakpoint, out var site))
                predecessors[site] += 2; // reached from a return
            if (flow.FallsThrough && InBlock(index, flow.Next, head, headBreakpoint, out var f))
            {
                predecessors[f]++;
                fallOnly[f] = f == i + 1 && !flow.Conditional;
            }
        }
        for (var i = 0; i < span.Length; i++)
            span[i].Leader = !(predecessors[i] == 1 && fallOnly[i]) || span[i].Pc == head;
        for (var i = 0; i < span.Length;)
        {
            var length = 1;
            while (i + length < span.Length && !span[i + length].Leader)
                length++;
            for (var k = 0; k < length; k++)
            {
                ref var n = ref span[i + k];
                n.IndexInBlock = k;
                n.OwnBlockLength = length;
                n.BlockLength = k == 0 ? length : 0;
            }
            i += length;
        }
    }

    /// <summary>
    /// Flag liveness inside each basic block of <paramref name="nodes"/> (leaders marked): a flag write is dead when a
    /// later instruction of the same basic block replaces all flags before anything needs them or the block leaves,
    /// at its end or at an instruction <paramref name="leaves"/> names (one the back end leaves to the interpreter).
    /// </summary>
    public static void FindFlagLiveness<TNode>(List<TNode> nodes, Func<TNode, bool>? leaves = null)
        where TNode : struct, IBlockNode
    {
        var span = CollectionsMarshal.AsSpan(nodes);
        for (var i = 0; i < span.Length; i++)
        {
            var live = true;
            for (var j = i + 1; j < span.Length && !span[j].Leader; j++)
            {
                if (span[j].NeedsFlags || leaves?.Invoke(span[j]) == true)
                    break;
                if (span[j].ReplacesFlags)
                {
                    live = false;
                    break;
                }
            }
            span[i].FlagsLive = live;
        }
    }
}
