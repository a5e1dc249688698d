namespace LoaderHarness.Emulator.X86.Tier2;

/// <summary>
/// Where the block checks the run's budget, and which flag writes can be read: passes over the block's basic blocks
/// once they are found, before any IL is emitted.
/// </summary>
internal sealed partial class X86Translator
{
    /// <summary>
    /// Per node: for a leader that checks the budget, the most instructions the block may run from it before it reaches
    /// the next check or leaves (its own basic block included); 0 for a leader that only counts, and for other nodes.
    /// </summary>
    private int[] _checkLength = [];

    /// <summary>
    /// Chooses the leaders that check the budget (QEMU TCG checks its instruction count once per translation block; here
    /// a check covers every path up to the next one): the head; the target of an edge that does not lead to a higher
    /// address, so that every loop holds a check; and a basic block entered from one whose last instruction may take a
    /// slow path, whose own limit check (a stop, an interrupt line, code invalidated) the basic block's end leaves to it.
    /// Each check asks for the longest run of instructions to the next check or exit, so a path never passes the run's
    /// limit: the block leaves earlier instead, and the run loop's interpreter retires the rest exactly. Every other
    /// leader only counts its instructions, and is no exit.
    /// </summary>
    private void FindChecks()
    {
        var checks = new bool[_nodes.Count];
        checks[_index[_headRip]] = true;
        for (var b = 0; b < _nodes.Count; b += _nodes[b].BlockLength)
        {
            var last = b + _nodes[b].BlockLength - 1;
            var slow = _nodes[last].MayTakeSlowPath;
            foreach (var s in Successors(last))
                if (s >= 0 && (s <= last || slow))
                    checks[s] = true;
        }
        _checkLength = new int[_nodes.Count];
        var longest = new int[_nodes.Count];
        for (var b = _nodes.Count - 1; b >= 0; b--)
        {
            if (!_nodes[b].Leader)
                continue;
            var last = b + _nodes[b].BlockLength - 1;
            var after = 0;
            foreach (var s in Successors(last))
                if (s > last && !checks[s])
                    after = Math.Max(after, longest[s]); // forward edges only: the unchecked leaders are acyclic
            longest[b] = _nodes[b].BlockLength + after;
            if (checks[b])
                _checkLength[b] = longest[b];
        }
        FindGlobalFlagLiveness(checks);
    }

    /// <summary>
    /// The in-block successors of the basic block ending at node <paramref name="last"/>, -1 for one that leaves the
    /// block: a branch's target and fall-through, a call's target, a return's predicted call sites (an indirect call has none).
    /// </summary>
    private List<int> Successors(int last)
    {
        var n = _nodes[last];
        var list = new List<int>(2);
        switch (n.Op)
        {
            case GuestOp.Jcc:
                Add(n.D.Target);
                Add(n.D.NextIP);
                break;
            case GuestOp.Jmp or GuestOp.Call:
                Add(n.D.Target);
                break;
            case GuestOp.CallIndirect:
                list.Add(-1);
                break;
            case GuestOp.Ret:
                list.Add(-1); // an unpredicted return leaves
                foreach (var site in _returnSites)
                    if (InBlock(site, out var r))
                        list.Add(r);
                break;
            default:
                Add(n.D.NextIP);
                break;
        }
        return list;

        void Add(ulong pc) => list.Add(InBlock(pc, out var s) ? s : -1);
    }

    /// <summary>
    /// Flag liveness across the block's basic blocks (backward, to a fixed point): the flags a node writes are live when
    /// a path from it reads them (a condition, a carry-in, a slow path's spill) or leaves the block (an exit, a budget
    /// check, the limit check after an instruction that may take a slow path) before an instruction replaces them all.
    /// Refines <see cref="Core.Tiering.BasicBlocks.FindFlagLiveness"/>, which took every basic block's end as a read.
    /// </summary>
    private void FindGlobalFlagLiveness(bool[] checks)
    {
        var count = _nodes.Count;
        var liveIn = new bool[count];
        var liveOut = new bool[count];
        bool changed;
        do
        {
            changed = false;
            for (var i = count - 1; i >= 0; i--)
            {
                var n = _nodes[i];
                var outLive = n.MayTakeSlowPath; // its limit check may leave right after it
                if (!outLive)
                {
                    if (i + 1 < count && !_nodes[i + 1].Leader && !GuestOpClassifier.EndsBlock(n.Op))
                        outLive = liveIn[i + 1];
                    else
                        foreach (var s in Successors(i))
                            outLive |= s < 0 || checks[s] || liveIn[s];
                }
                var inLive = n.NeedsFlags || (!n.ReplacesFlags && outLive);
                if (outLive != liveOut[i] || inLive != liveIn[i])
                {
                    liveOut[i] = outLive;
                    liveIn[i] = inLive;
                    changed = true;
                }
            }
        }
        while (changed);
        for (var i = 0; i < count; i++)
        {
            var n = _nodes[i];
            n.FlagsLive = liveOut[i];
            _nodes[i] = n;
        }
    }

    /// <summary>At a leader: the budget check covering the next <see cref="_checkLength"/> instructions, or only the count.</summary>
    private void EmitLeaderCount(int i) => EmitBudgetCheck(_nodes[i].Rip, _nodes[i].BlockLength, _checkLength[i]);
}
