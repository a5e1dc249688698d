namespace LoaderHarness.Emulator.X86.Tier2;

/// <summary>
/// The flag producer known at each basic block's start: where every in-block edge into it comes after the same kind of
/// producing instruction (operation and size, e.g. a 32-bit CMP on every path), a condition there is evaluated inline from
/// the operands and an exit writes the operation and size back as constants, as within the producer's own basic block;
/// otherwise (the block's entry among the edges, producers that differ, a shift by CL whose count may leave the flags as
/// they were) the lazy state is read from the locals, as before.
/// </summary>
internal sealed partial class X86Translator
{
    /// <summary>Per node: at a leader, whether the producer is known there, and its operation and size.</summary>
    private bool[] _inKnown = [];
    private LazyOp[] _inOp = [];
    private int[] _inSize = [];

    /// <summary>What an instruction leaves as the flag producer, as its translation records it (<see cref="EmitSetLazy"/>, <see cref="EmitSetArith"/>).</summary>
    private static ProducerEffect Producer(in GuestNode n, out LazyOp op, out int size)
    {
        size = n.D.OpSize;
        op = n.Op switch
        {
            GuestOp.Add or GuestOp.Xadd => LazyOp.Add,
            GuestOp.Adc => LazyOp.Adc,
            GuestOp.Sbb => LazyOp.Sbb,
            GuestOp.Sub or GuestOp.Cmp or GuestOp.Neg or GuestOp.Cmpxchg => LazyOp.Sub,
            GuestOp.And or GuestOp.Or or GuestOp.Xor or GuestOp.Test => LazyOp.Logic,
            GuestOp.Inc => LazyOp.Inc,
            GuestOp.Dec => LazyOp.Dec,
            _ => LazyOp.None,
        };
        switch (n.Op)
        {
            case GuestOp.Add or GuestOp.Adc or GuestOp.Sbb or GuestOp.Sub or GuestOp.Cmp or GuestOp.Neg or GuestOp.And
                or GuestOp.Or or GuestOp.Xor or GuestOp.Test or GuestOp.Inc or GuestOp.Dec or GuestOp.Cmpxchg or GuestOp.Xadd:
                return ProducerEffect.Known;
            case GuestOp.Shl or GuestOp.Shr or GuestOp.Sar or GuestOp.Imul or GuestOp.MulWide or GuestOp.Rol or GuestOp.Ror
                or GuestOp.BitTest or GuestOp.CmpxchgDouble:
                size = 8; // explicit bits (LazyOp.None), recorded at the size EmitSetArith records
                return ProducerEffect.Known;
            case GuestOp.ShlCl or GuestOp.ShrCl or GuestOp.SarCl:
                return ProducerEffect.Unknown; // a masked count of 0 leaves the flags as they were
            default:
                return ProducerEffect.Unchanged;
        }
    }

    /// <summary>Forward over the basic blocks to a fixed point: the producer known at each leader (the meet of its in-edges; the entry edge knows none).</summary>
    private void FindKnownProducers()
    {
        var count = _nodes.Count;
        var state = new InState[count]; // at leaders: Top until an edge reaches it
        var head = _index[_headRip];
        state[head] = new InState(InKind.Unknown, LazyOp.None, 0);
        for (var changed = true; changed;)
        {
            changed = false;
            for (var b = 0; b < count; b += _nodes[b].BlockLength)
            {
                if (state[b].Kind == InKind.Top)
                    continue;
                var out_ = state[b];
                var last = b + _nodes[b].BlockLength - 1;
                for (var j = b; j <= last; j++)
                {
                    switch (Producer(_nodes[j], out var op, out var size))
                    {
                        case ProducerEffect.Known:
                            out_ = new InState(InKind.Known, op, size);
                            break;
                        case ProducerEffect.Unknown:
                            out_ = new InState(InKind.Unknown, LazyOp.None, 0);
                            break;
                    }
                }
                foreach (var s in Successors(last))
                {
                    if (s < 0)
                        continue;
                    var met = Meet(state[s], out_);
                    if (met != state[s])
                    {
                        state[s] = met;
                        changed = true;
                    }
                }
            }
        }
        _inKnown = new bool[count];
        _inOp = new LazyOp[count];
        _inSize = new int[count];
        for (var i = 0; i < count; i++)
        {
            if (!_nodes[i].Leader || state[i].Kind != InKind.Known)
                continue;
            _inKnown[i] = true;
            _inOp[i] = state[i].Op;
            _inSize[i] = state[i].Size;
        }

        static InState Meet(InState a, InState b)
            => a.Kind == InKind.Top ? b
                : b.Kind == InKind.Top ? a
                : a == b ? a
                : new InState(InKind.Unknown, LazyOp.None, 0);
    }

    private int KnownLeaderCount()
    {
        var n = 0;
        foreach (var k in _inKnown)
            if (k)
                n++;
        return n;
    }

    /// <summary>At a leader: the producer known there, or none (<see cref="FindKnownProducers"/>).</summary>
    private void EnterLeaderFlags(int i)
    {
        _known = _inKnown[i];
        _knownOp = _inOp[i];
        _knownSize = _inSize[i];
    }

    /// <summary>Set when <see cref="CheckProducer"/> found the analysis and a translation disagreeing: the block is refused (interpreted), not run with a wrong producer.</summary>
    private bool _producerMismatch;

    /// <summary>After node <paramref name="node"/>: the analysis must agree with what its translation recorded, or a leader's known producer could be wrong.</summary>
    private void CheckProducer(in GuestNode node, bool knownBefore, LazyOp opBefore, int sizeBefore)
    {
        var effect = Producer(in node, out var op, out var size);
        var (k, o, s) = effect switch
        {
            ProducerEffect.Known => (true, op, size),
            ProducerEffect.Unknown => (false, _knownOp, _knownSize),
            _ => (knownBefore, opBefore, sizeBefore),
        };
        if (k != _known || (k && (o != _knownOp || s != _knownSize)))
            _producerMismatch = true;
    }

    private enum ProducerEffect : byte
    {
        Unchanged,
        Known,
        Unknown,
    }

    private enum InKind : byte
    {
        Top,
        Known,
        Unknown,
    }

    private readonly record struct InState(InKind Kind, LazyOp Op, int Size);
}
