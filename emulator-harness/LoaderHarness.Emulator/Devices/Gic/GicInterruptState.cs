using System.Numerics;

namespace LoaderHarness.Emulator.Devices.Gic;

/// <summary>
/// What GICv2 and GICv3 share for one CPU: each INTID's group, enable, pending (latched edge or level line),
/// active, trigger configuration and priority; the running-priority stack the CPU interface keeps; the
/// choice of the highest-priority pending interrupt; and the per-INTID register block both distributors
/// (and the GICv3 redistributor's SGI_base frame) lay out at the same offsets: GICD_IGROUPR 0x080,
/// ISENABLER 0x100, ICENABLER 0x180, ISPENDR 0x200, ICPENDR 0x280, ISACTIVER 0x300, ICACTIVER 0x380,
/// IPRIORITYR 0x400, ICFGR 0xC00 (Arm IHI 0048B §4.1.2 Table 4-1; Arm IHI 0069 §12.9, §12.11).
/// </summary>
internal sealed class GicInterruptState
{
    private readonly uint[] _group1;
    private readonly uint[] _enabled;
    private readonly uint[] _latched;
    private readonly uint[] _level;
    private readonly uint[] _active;
    private readonly uint[] _edge;
    private readonly uint[] _config;
    private readonly byte[] _priority;
    private readonly byte[] _runningStack = new byte[32];
    private readonly uint _priorityMask;
    private int _runningDepth;

    /// <summary>State for <paramref name="count"/> INTIDs (a multiple of 32) keeping the priority bits in <paramref name="priorityMask"/>.</summary>
    public GicInterruptState(int count, uint priorityMask)
    {
        Count = count;
        _priorityMask = priorityMask;
        var words = count / 32;
        (_group1, _enabled, _latched, _level, _active, _edge) = (new uint[words], new uint[words], new uint[words], new uint[words], new uint[words], new uint[words]);
        _config = new uint[count / 16];
        _priority = new byte[count];
        // ICFGR0: SGIs are always edge-triggered (IHI 0048B §4.3.13; IHI 0069 §12.11.7).
        WriteConfig(0, 0xAAAA_AAAA);
    }

    /// <summary>INTIDs implemented.</summary>
    public int Count { get; }

    /// <summary>Called after every change that can move the CPU's IRQ (the owning GIC recomputes its output).</summary>
    public Action? Changed { get; set; }

    /// <summary>The running priority: that of the last acknowledged interrupt not yet priority-dropped, 0xFF when idle.</summary>
    public uint RunningPriority => _runningDepth == 0 ? 0xFFu : _runningStack[_runningDepth - 1];

    /// <summary>The priority field of INTID <paramref name="intid"/>.</summary>
    public uint PriorityOf(int intid) => _priority[intid];

    /// <summary>Whether INTID <paramref name="intid"/> is in group 1.</summary>
    public bool IsGroup1(int intid) => (_group1[intid >> 5] & (1u << (intid & 31))) != 0;

    /// <summary>Whether INTID <paramref name="intid"/> is pending (latched, or a level-sensitive line high).</summary>
    public bool IsPending(int intid) => (Pending(intid >> 5) & (1u << (intid & 31))) != 0;

    /// <summary>Whether INTID <paramref name="intid"/> is active.</summary>
    public bool IsActive(int intid) => (_active[intid >> 5] & (1u << (intid & 31))) != 0;

    private uint Pending(int word) => _latched[word] | (_level[word] & ~_edge[word]);

    /// <summary>A device drives line <paramref name="intid"/>: a rising edge latches an edge-triggered interrupt (IHI 0048B §1.4.2, IHI 0069 §4.1.1).</summary>
    public void SetLevel(int intid, bool high)
    {
        if ((uint)intid >= (uint)Count)
            return;
        var (word, bit) = (intid >> 5, 1u << (intid & 31));
        if (high)
        {
            _level[word] |= bit;
            if ((_edge[word] & bit) != 0)
                _latched[word] |= bit;
        }
        else
            _level[word] &= ~bit;
        Changed?.Invoke();
    }

    /// <summary>Makes INTID <paramref name="intid"/> pending (an SGI's generation).</summary>
    public void Latch(int intid)
    {
        _latched[intid >> 5] |= 1u << (intid & 31);
        Changed?.Invoke();
    }

    /// <summary>
    /// The highest-priority enabled, pending, inactive interrupt among the groups in <paramref name="groups"/>
    /// (bit 0: group 0, bit 1: group 1), or -1; the lowest INTID wins ties (IHI 0048B §3.3.3).
    /// </summary>
    public int HighestPending(int groups)
    {
        var best = -1;
        var bestPriority = 0x100u;
        for (var w = 0; w < _enabled.Length; w++)
        {
            var groupMask = ((groups & 2) != 0 ? _group1[w] : 0) | ((groups & 1) != 0 ? ~_group1[w] : 0);
            var candidates = Pending(w) & _enabled[w] & ~_active[w] & groupMask;
            while (candidates != 0)
            {
                var intid = (w << 5) + BitOperations.TrailingZeroCount(candidates);
                candidates &= candidates - 1;
                if (_priority[intid] < bestPriority)
                    (best, bestPriority) = (intid, _priority[intid]);
            }
        }
        return best;
    }

    /// <summary>Whether <paramref name="intid"/> is above <paramref name="priorityMask"/> and preempts the running priority (IHI 0048B §3.3; IHI 0069 §4.8).</summary>
    public bool Preempts(int intid, uint priorityMask) =>
        intid >= 0 && _priority[intid] < (priorityMask & _priorityMask) && _priority[intid] < RunningPriority;

    /// <summary>The acknowledge: <paramref name="intid"/> goes from pending to active and its priority becomes the running priority.</summary>
    public void Activate(int intid)
    {
        var (word, bit) = (intid >> 5, 1u << (intid & 31));
        _latched[word] &= ~bit;
        _active[word] |= bit;
        if (_runningDepth < _runningStack.Length)
            _runningStack[_runningDepth++] = _priority[intid];
        Changed?.Invoke();
    }

    /// <summary>The priority drop of an end of interrupt (IHI 0048B §3.2.1; IHI 0069 §4.1.1).</summary>
    public void DropPriority()
    {
        if (_runningDepth > 0)
            _runningDepth--;
        Changed?.Invoke();
    }

    /// <summary>The deactivation of an end of interrupt or a GICC_DIR / ICC_DIR write.</summary>
    public void Deactivate(int intid)
    {
        if ((uint)intid < (uint)Count)
            _active[intid >> 5] &= ~(1u << (intid & 31));
        Changed?.Invoke();
    }

    /// <summary>Reads a 32-bit word of the per-INTID registers at <paramref name="offset"/>; words outside [<paramref name="firstWord"/>, <paramref name="lastWord"/>] read as zero.</summary>
    public uint Read(ulong offset, int firstWord, int lastWord)
    {
        if (offset >= 0x400 && offset < 0x800)
        {
            // A byte or halfword read at an unaligned offset sees its own field in the low bits.
            var first = (int)(offset - 0x400);
            if (first >> 5 < firstWord || first >> 5 > lastWord || first + 3 >= Count)
                return 0;
            return _priority[first] | (uint)_priority[first + 1] << 8 | (uint)_priority[first + 2] << 16 | (uint)_priority[first + 3] << 24;
        }
        if (offset >= 0xC00 && offset < 0xD00)
        {
            var index = (int)(offset - 0xC00) / 4;
            return index >> 1 < firstWord || index >> 1 > lastWord || index >= _config.Length ? 0 : _config[index];
        }
        var word = (int)(offset & 0x7F) / 4;
        if (word < firstWord || word > lastWord || word >= _enabled.Length)
            return 0;
        return (offset & ~0x7FUL) switch
        {
            0x080 => _group1[word],
            0x100 or 0x180 => _enabled[word],
            0x200 or 0x280 => Pending(word),
            0x300 or 0x380 => _active[word],
            _ => 0,
        };
    }

    /// <summary>
    /// Writes the per-INTID registers at <paramref name="offset"/>: priority bytes singly when <paramref name="size"/>
    /// is 1; ICFGR0 (SGIs) is read-only; words outside [<paramref name="firstWord"/>, <paramref name="lastWord"/>] are ignored.
    /// </summary>
    public void Write(ulong offset, int size, uint value, int firstWord, int lastWord)
    {
        if (offset >= 0x400 && offset < 0x800)
        {
            var first = (int)(offset - 0x400);
            for (var i = 0; i < size && i < 4; i++)
                if ((first + i) >> 5 >= firstWord && (first + i) >> 5 <= lastWord && first + i < Count)
                    _priority[first + i] = (byte)((value >> (8 * i)) & _priorityMask);
            Changed?.Invoke();
            return;
        }
        if (offset >= 0xC00 && offset < 0xD00)
        {
            var index = (int)(offset - 0xC00) / 4;
            if (index >> 1 >= firstWord && index >> 1 <= lastWord && index != 0 && index < _config.Length)
                WriteConfig(index, value);
            Changed?.Invoke();
            return;
        }
        var word = (int)(offset & 0x7F) / 4;
        if (word < firstWord || word > lastWord || word >= _enabled.Length)
            return;
        switch (offset & ~0x7FUL)
        {
            case 0x080: _group1[word] = value; break;
            case 0x100: _enabled[word] |= value; break;
            case 0x180: _enabled[word] &= ~value; break;
            case 0x200: _latched[word] |= value; break;
            case 0x280: _latched[word] &= ~value; break;
            case 0x300: _active[word] |= value; break;
            case 0x380: _active[word] &= ~value; break;
        }
        Changed?.Invoke();
    }

    /// <summary>ICFGR&lt;n&gt;: bit 2k+1 of each pair set means edge-triggered; bit 2k is reserved (RES0 on v3, IMPLEMENTATION DEFINED on v2).</summary>
    private void WriteConfig(int index, uint value)
    {
        _config[index] = value & 0xAAAA_AAAA;
        uint edges = 0;
        for (var k = 0; k < 16; k++)
            if ((value & (2u << (2 * k))) != 0)
                edges |= 1u << k;
        var word = index >> 1;
        var shift = (index & 1) * 16;
        _edge[word] = (_edge[word] & ~(0xFFFFu << shift)) | (edges << shift);
    }
}
