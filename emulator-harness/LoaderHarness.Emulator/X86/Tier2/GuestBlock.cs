using System.Runtime.InteropServices;
using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;

namespace LoaderHarness.Emulator.X86.Tier2;

/// <summary>
/// The compiling tier's front end, shared by its two back ends (IL for the JIT, <see cref="X86Translator"/>; x86-64
/// machine code, <see cref="HostCode.HostTranslator"/>): the covered instructions reachable from a hot entry, found in
/// the CPU's code pages on the CPU's thread and copied, so that a back end may read them on another thread.
/// </summary>
internal sealed class GuestBlock
{
    /// <summary>Most guest instructions per block, bounding translation time.</summary>
    public const int MaxInstructions = 128;

    private X86Cpu _cpu = null!;

    /// <summary>How many instructions discovery had found when it first took in <see cref="OtherPage"/> (int.MaxValue: never).</summary>
    private int _otherPageAt;

    private readonly int _maxInstructions;

    /// <summary>Discovery's work list, kept with the block so that a reused block allocates nothing.</summary>
    private readonly Queue<ulong> _work = new();

    /// <summary>
    /// <see cref="Order"/>'s scratch, one set per thread (blocks are ordered on the CPU's): kept with each block, as
    /// <see cref="_work"/> is, it was a second copy of every node for each of the up to 64 blocks in flight.
    /// </summary>
    [ThreadStatic]
    private static ulong[]? _orderRips;

    [ThreadStatic]
    private static int[]? _orderPlaces;

    [ThreadStatic]
    private static GuestNode[]? _orderNodes;

    /// <summary>Whether the block is found for host code, which has forms of its own (<see cref="Operation"/>).</summary>
    private readonly bool _hostForms;

    private GuestBlock(int maxInstructions, bool hostForms = false)
    {
        _maxInstructions = maxInstructions;
        _hostForms = hostForms;
        Nodes = new(maxInstructions); // sized once: grown step by step, a block's copies of large entries cost more
    }

    /// <summary>Empties the block and gives it a new head.</summary>
    private void Begin(X86Cpu cpu, ulong headRip, bool headBreakpoint, int shape, bool mode64, int stackSize)
    {
        _cpu = cpu;
        HeadRip = headRip;
        HeadBreakpoint = headBreakpoint;
        Shape = shape;
        Mode64 = mode64;
        StackSize = stackSize;
        Nodes.Clear();
        Index.Clear();
        ReturnSites.Clear();
        OtherPage = null;
        OtherLinearPage = 0;
        OtherGeneration = 0;
        _otherPageAt = int.MaxValue;
    }

    /// <summary>The entry's RIP.</summary>
    public ulong HeadRip { get; private set; }

    /// <summary>Whether the entry carries a breakpoint or stop (a branch back to it leaves the block).</summary>
    public bool HeadBreakpoint { get; private set; }

    /// <summary>The execution shape (<see cref="X86Cpu.CompiledShape"/>).</summary>
    public int Shape { get; private set; }

    /// <summary>Whether the code runs in 64-bit mode.</summary>
    public bool Mode64 { get; private set; }

    /// <summary>The stack's address size in bytes.</summary>
    public int StackSize { get; private set; }

    /// <summary>The instructions, sorted by address once <see cref="Order"/> ran.</summary>
    public List<GuestNode> Nodes { get; }

    /// <summary>Address to node index in <see cref="Nodes"/> (after <see cref="Order"/>).</summary>
    public Dictionary<ulong, int> Index { get; } = [];

    /// <summary>The return sites of the block's calls.</summary>
    public List<ulong> ReturnSites { get; } = [];

    /// <summary>The one code page other than the head's that the block may hold instructions of (<see cref="X86Cpu.BlockInstructionAt"/>).</summary>
    public CodePage<DecodedInstruction>? OtherPage { get; private set; }

    /// <summary>The linear page number <see cref="OtherPage"/> was mapped at.</summary>
    public ulong OtherLinearPage { get; private set; }

    /// <summary><see cref="OtherPage"/>'s generation when discovery ended.</summary>
    public uint OtherGeneration { get; private set; }

    /// <summary>
    /// The covered instructions reachable from <paramref name="rip"/> (an entry of the CPU's current fetch page); null when
    /// the first is not covered. Found into <paramref name="into"/> when given (what it held is dropped): a caller done with
    /// each block before it finds the next keeps one (<see cref="Reusable"/>), and finding allocates nothing.
    /// </summary>
    public static GuestBlock? Find(X86Cpu cpu, ulong rip, bool headBreakpoint, int shape, GuestBlock? into = null)
    {
        var b = into ?? Reusable();
        b.Begin(cpu, rip, headBreakpoint, shape, cpu.Mode64, cpu.StackSize);
        return b.Discover() ? b : null;
    }

    /// <summary>An empty block for <see cref="Find"/> to fill, again and again; for host code when <paramref name="hostForms"/>.</summary>
    public static GuestBlock Reusable(bool hostForms = false) => new(MaxInstructions, hostForms);

    /// <summary>
    /// A fresh block of the first <paramref name="limit"/> instructions found, sorted: what discovery with that limit would
    /// have found, since it takes instructions in the same order and stops at the limit. The copies carry nothing of this
    /// block's analysis (leaders, flag liveness).
    /// </summary>
    public GuestBlock Take(int limit)
    {
        var b = new GuestBlock(limit);
        b.Begin(_cpu, HeadRip, HeadBreakpoint, Shape, Mode64, StackSize);
        foreach (var n in Nodes)
        {
            if (n.Found >= limit)
                continue;
            b.Nodes.Add(new GuestNode { Rip = n.Rip, D = n.D, Op = n.Op, Found = n.Found });
            if (n.Op == GuestOp.Call)
                b.ReturnSites.Add(n.D.NextIP);
        }
        if (_otherPageAt < limit) // discovery with this limit would have taken the page in too
        {
            b.OtherPage = OtherPage;
            b.OtherLinearPage = OtherLinearPage;
            b.OtherGeneration = OtherGeneration;
        }
        b.Order();
        return b;
    }

    /// <summary>
    /// On the CPU's thread, before a back end is handed to another: the instructions found, sorted by address, with the
    /// basic blocks' leaders marked (<see cref="IBlockNode.Leader"/>), so the engine can hold back the heat of the entries
    /// the block will cover while it is compiled. The IL back end on another thread works on a copy (<see cref="Take"/>), never on
    /// these; host code uses them, on whichever thread makes it, and the block is its own until then.
    /// </summary>
    public List<GuestNode> FoundBlocks()
    {
        Order();
        BasicBlocks.FindLeaders(Nodes, Index, HeadRip, HeadBreakpoint);
        return Nodes;
    }

    /// <summary>Collects the covered instructions reachable from the head in its page and one other the instruction TLB holds; false when the head is not covered.</summary>
    private bool Discover()
    {
        // Breadth first: when the block fills up, what it holds is the code nearest its head (the loop it sits in),
        // not one deep fall-through path with the loop's back edges left as exits.
        var work = _work;
        work.Clear();
        work.Enqueue(HeadRip);
        CodePage<DecodedInstruction>? otherPage = null;
        ulong otherLinearPage = 0;
        while (work.Count != 0 && Nodes.Count < _maxInstructions)
        {
            var rip = work.Dequeue();
            if (Index.ContainsKey(rip))
                continue;
            var found = _cpu.BlockInstructionAt(rip, ref otherPage, ref otherLinearPage, out var d);
            if (d.Fusion == OperandForms.Fused)
            {
                // The interpreter fused this register-form ALU instruction with the jump after it (X86Cpu.Fuse): the
                // block takes the two apart, the instruction's own successor back from where the fusion kept it.
                d.NextIP = d.Disp;
                d.Disp = 0;
                d.Target = 0;
                d.Cc = 0;
            }
            if (otherPage is not null && _otherPageAt == int.MaxValue)
                _otherPageAt = Nodes.Count;
            if (!found)
                continue;
            // An entry that has a compiled block of its own ends this one, unless that block is small (TierPolicy.InlinedBlockLimit).
            if (rip != HeadRip && (d.Breakpoint || d.Compiled > 0 && _cpu.CompiledInstructionCount(d.Compiled) > TierPolicy.InlinedBlockLimit))
                continue;
            var op = Operation(in d, rip, Mode64, _hostForms);
            if (op == GuestOp.None)
                continue;
            Index[rip] = -1;
            Nodes.Add(new GuestNode { Rip = rip, D = d, Op = op, Found = Nodes.Count });
            if (op is GuestOp.Jcc or GuestOp.Jmp or GuestOp.Call)
                work.Enqueue(d.Target);
            if (op is not (GuestOp.Jmp or GuestOp.CallIndirect or GuestOp.Ret))
                work.Enqueue(d.NextIP); // for a call, its return site: a RET in the block that pops it branches there
            if (op == GuestOp.Call)
                ReturnSites.Add(d.NextIP);
        }
        OtherPage = otherPage;
        OtherLinearPage = otherLinearPage;
        if (Nodes.Count == 0 || Nodes[0].Rip != HeadRip)
            return false; // the head comes first in discovery order; it is not first once sorted by address
        OtherGeneration = OtherPage?.Generation ?? 0; // read here, on the CPU's thread: the block runs only while the page keeps it
        return true;
    }

    /// <summary>
    /// Sorts the nodes by address and indexes them. The addresses are sorted with the nodes' places, and each node is then
    /// copied once to its own: a node holds a copy of its decoded entry, and sorting the nodes themselves moved them again
    /// and again (2 % of the PVH boot to /init's samples).
    /// </summary>
    private void Order()
    {
        var count = Nodes.Count;
        if (_orderRips is null || _orderRips.Length < count)
        {
            _orderRips = new ulong[Math.Max(count, MaxInstructions)];
            _orderPlaces = new int[_orderRips.Length];
            _orderNodes = new GuestNode[_orderRips.Length];
        }
        var nodes = CollectionsMarshal.AsSpan(Nodes);
        var rips = _orderRips.AsSpan(0, count);
        var places = _orderPlaces!.AsSpan(0, count);
        for (var i = 0; i < count; i++)
        {
            rips[i] = nodes[i].Rip;
            places[i] = i;
        }
        rips.Sort(places);
        var sorted = _orderNodes!.AsSpan(0, count);
        for (var i = 0; i < count; i++)
            sorted[i] = nodes[places[i]];
        sorted.CopyTo(nodes);
        Index.Clear();
        for (var i = 0; i < count; i++)
            Index[rips[i]] = i;
    }

    /// <summary>
    /// The operation a block gives <paramref name="d"/>: the classifier's, except that a shift or rotate by a masked count
    /// of 0 is a NOP, since it changes nothing, flags included (SDM Vol. 2B SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR). A block for
    /// host code (<paramref name="hostForms"/>) also takes in CLI, STI, RDTSC, RDTSCP, LEAVE, SHLD and SHRD by an immediate and the REP strings of
    /// <see cref="RepString"/>, which only that back end has forms for.
    /// </summary>
    public static GuestOp Operation(in DecodedInstruction d, ulong rip, bool mode64, bool hostForms = false)
    {
        var op = GuestOpClassifier.Classify(in d, rip, mode64);
        if (op == GuestOp.None && hostForms && mode64)
        {
            return d.I.Mnemonic switch
            {
                Mnemonic.Cli => GuestOp.Cli,
                Mnemonic.Sti => GuestOp.Sti,
                Mnemonic.Rdtsc or Mnemonic.Rdtscp => GuestOp.Rdtsc,
                Mnemonic.Leave => GuestOp.Leave,
                Mnemonic.Shld or Mnemonic.Shrd => DoubleShift(in d),
                _ => RepString(in d),
            };
        }
        return op is GuestOp.Shl or GuestOp.Shr or GuestOp.Sar or GuestOp.Rol or GuestOp.Ror && ShiftCount(in d) == 0 ? GuestOp.Nop : op;
    }

    /// <summary>
    /// REP STOS or REP MOVS of 1, 2, 4 or 8 bytes with 64-bit addresses, RDI in ES and RSI in DS or ES (whose bases are 0 in
    /// 64-bit mode, SDM Vol. 3A §3.4.4), which host code runs with the host's own string instruction; None for the rest.
    /// </summary>
    private static GuestOp RepString(in DecodedInstruction d)
    {
        ref readonly var i = ref d.I;
        if (!i.HasRepPrefix || d.AddrSize != 8 || i.Op0Kind != OpKind.MemoryESRDI || d.MemSize is not (1 or 2 or 4 or 8))
            return GuestOp.None;
        return i.Mnemonic switch
        {
            Mnemonic.Stosb or Mnemonic.Stosw or Mnemonic.Stosd or Mnemonic.Stosq => GuestOp.RepStos,
            Mnemonic.Movsb or Mnemonic.Movsw or Mnemonic.Movsd or Mnemonic.Movsq when d.Seg < (byte)SegmentRegister.Fs => GuestOp.RepMovs,
            _ => GuestOp.None,
        };
    }

    /// <summary>A shift's masked immediate count (1 for the D0/D1 forms).</summary>
    /// <summary>
    /// SHLD or SHRD r/m, r, imm8 at 32 or 64 bits: <see cref="GuestOp.DoubleShift"/>, or a NOP when the masked count is 0,
    /// which changes nothing, flags included (SDM Vol. 2B SHLD, SHRD; <c>Shifts.Shld</c>); by CL, or at 16 bits (whose
    /// counts above 16 the interpreter handles its own way), left to the interpreter.
    /// </summary>
    private static GuestOp DoubleShift(in DecodedInstruction d)
    {
        if (d.I.Op2Kind != OpKind.Immediate8 || d.OpSize is not (4 or 8) || d.I.Op1Kind != OpKind.Register
            || d.I.Op0Kind is not (OpKind.Register or OpKind.Memory))
            return GuestOp.None;
        return (d.I.Immediate8 & (d.OpSize == 8 ? 0x3F : 0x1F)) == 0 ? GuestOp.Nop : GuestOp.DoubleShift;
    }

    public static int ShiftCount(in DecodedInstruction d)
        => d.I.OpCount < 2 ? 1 : (int)(d.I.GetImmediate(1) & (d.OpSize == 8 ? 0x3FUL : 0x1FUL));
}
