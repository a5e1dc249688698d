using System.Reflection.Emit;

namespace LoaderHarness.Emulator.X86.Tier2;

/// <summary>
/// CF across basic-block edges for INC/DEC, ADC and SBB. At a basic block's start the flag producer is not known at
/// translation time, so CF would be evaluated from the lazy state by a call (<see cref="CompiledRuntime.Carry"/>);
/// in a loop such as <c>inc; inc; dec; jnz</c> that call ran every iteration although INC/DEC only keep CF (SDM
/// Vol. 2A INC, DEC), and it made the JIT keep the block's registers in memory. Instead a basic block whose first
/// flag access reads CF gets it in <see cref="_cf"/>: every edge into it stores the CF of the flags it leaves
/// with (known there, so evaluated inline), and the block's entry evaluates it once when the head is such a basic
/// block. The lazy flag state itself is unchanged, so what is written back at exits and spills is as before.
/// </summary>
internal sealed partial class X86Translator
{
    /// <summary>CF of the current flags wherever <see cref="_cfHeld"/> says so (a ulong 0 or 1).</summary>
    private LocalBuilder _cf = null!;

    /// <summary>Whether <see cref="_cf"/> holds the CF of the current flags at this point of the translation.</summary>
    private bool _cfHeld;

    /// <summary>Per node: a basic block starts here whose first flag access reads CF, and every edge into it sets <see cref="_cf"/>.</summary>
    private bool[] _cfIn = [];

    /// <summary>
    /// Marks the basic blocks whose first flag access reads CF, and (to a fixed point) those that touch no flags and
    /// lead only into such blocks: their CF comes from their own in-edges, where a producer is more often known.
    /// </summary>
    private void FindCarryLeaders()
    {
        _cfIn = new bool[_nodes.Count];
        var passEnd = new int[_nodes.Count];
        for (var i = 0; i < _nodes.Count; i++)
        {
            passEnd[i] = -1;
            if (!_nodes[i].Leader)
                continue;
            for (var j = i; j < _nodes.Count && (j == i || !_nodes[j].Leader); j++)
            {
                var n = _nodes[j];
                if (n.Op is GuestOp.Inc or GuestOp.Dec or GuestOp.Adc or GuestOp.Sbb)
                {
                    _cfIn[i] = true;
                    break;
                }
                if (WritesFlags(in n))
                    break;
                if (GuestOpClassifier.EndsBlock(n.Op) || j + 1 == _nodes.Count || _nodes[j + 1].Leader)
                {
                    passEnd[i] = j;
                    break;
                }
            }
        }
        for (var changed = true; changed;)
        {
            changed = false;
            for (var i = 0; i < _nodes.Count; i++)
            {
                if (_cfIn[i] || passEnd[i] < 0 || !SuccessorNeedsCarry(_nodes[passEnd[i]]))
                    continue;
                _cfIn[i] = true;
                changed = true;
            }
        }
    }

    /// <summary>At the block's entry: CF of the CPU's flags when the head's basic block reads it first.</summary>
    private void EmitCarryEntry()
    {
        var head = _index[_headRip];
        if (!_cfIn[head])
            return;
        _known = false;
        _cfHeld = false;
        EmitCarry();
        _il.Emit(OpCodes.Stloc, _cf);
    }

    /// <summary>Before node <paramref name="node"/> leaves for its successors (a control transfer) or after it (a fall-through): sets <see cref="_cf"/> when one of them needs it.</summary>
    private void EmitCarryEdges(in GuestNode node)
    {
        if (!SuccessorNeedsCarry(in node) || _cfHeld)
            return;
        EmitCarry();
        _il.Emit(OpCodes.Stloc, _cf);
        _cfHeld = true;
    }

    /// <summary>Whether a successor of <paramref name="node"/> in the block starts a basic block that takes its CF in <see cref="_cf"/>.</summary>
    private bool SuccessorNeedsCarry(in GuestNode node)
    {
        var needed = false;
        switch (node.Op)
        {
            case GuestOp.Jcc:
                needed = CarryIn(node.D.Target) || CarryIn(node.D.NextIP);
                break;
            case GuestOp.Jmp or GuestOp.Call:
                needed = CarryIn(node.D.Target);
                break;
            case GuestOp.CallIndirect:
                break;
            case GuestOp.Ret:
                foreach (var site in _returnSites)
                    needed |= CarryIn(site);
                break;
            default:
                needed = CarryIn(node.D.NextIP);
                break;
        }
        return needed;
    }

    private bool CarryIn(ulong pc) => InBlock(pc, out var i) && _cfIn[i];
}
