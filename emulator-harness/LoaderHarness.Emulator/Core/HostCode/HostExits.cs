using System.Runtime.InteropServices;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Emulator.Core.HostCode;

/// <summary>
/// A block's exit stubs, emitted after its code, the same for both guest architectures: exits that leave at a guest
/// address with the count some instructions back, exits at basic blocks' ends that may chain (<see cref="HostChain"/>),
/// each with a link cell of its own, and the dynamic exit (RAX = the target of a return or an indirect branch), whose cell
/// is the CPU's jump cache's for that target. A chained exit whose cell holds the state block's epoch stores the cached
/// registers and jumps into its successor; otherwise it leaves with the guest address in <see cref="HostState.Rip"/> and
/// its cell in <see cref="HostState.ExitCell"/>. The conventions of both back ends: the state block in R12, the count in
/// R14, RAX and RCX free at an exit.
/// </summary>
internal sealed class HostExits
{
    private readonly Assembler _a;
    private readonly Dictionary<(ulong Target, int Behind), Label> _exits = Emptied(ref _threadExits);
    private readonly Dictionary<ulong, Label> _chainExits = Emptied(ref _threadChainExits);
    private Label _dynamic;
    private bool _dynamicUsed;
    private ulong[] _cells = [];

    /// <summary>The translators' tables, one set per thread and emptied for each block (made anew they were most of what a block's translation allocated).</summary>
    [ThreadStatic]
    private static Dictionary<(ulong, int), Label>? _threadExits;

    [ThreadStatic]
    private static Dictionary<ulong, Label>? _threadChainExits;

    private static Dictionary<TKey, Label> Emptied<TKey>(ref Dictionary<TKey, Label>? table)
        where TKey : notnull
    {
        table ??= [];
        table.Clear();
        return table;
    }

    public HostExits(Assembler a)
    {
        _a = a;
        _dynamic = a.CreateLabel();
        Epilogue = a.CreateLabel();
    }

    /// <summary>Where every stub ends: the block's epilogue, which the translator emits after <see cref="Emit"/>.</summary>
    public Label Epilogue;

    /// <summary>The exit leaving at <paramref name="target"/> with the count <paramref name="behind"/> below R14.</summary>
    public Label Exit(ulong target, int behind) => Stub(_exits, (target, behind));

    /// <summary>The exit to <paramref name="target"/> at a basic block's end, which may chain.</summary>
    public Label ChainExit(ulong target) => Stub(_chainExits, target);

    /// <summary>The dynamic exit: RAX holds the guest address it leaves to.</summary>
    public Label Dynamic
    {
        get
        {
            _dynamicUsed = true;
            return _dynamic;
        }
    }

    /// <summary>The link cells the chained exits read (pinned: their addresses are in the code), once <see cref="Emit"/> made them.</summary>
    public ulong[] Cells => _cells;

    private Label Stub<TKey>(Dictionary<TKey, Label> stubs, TKey key)
        where TKey : notnull
    {
        if (!stubs.TryGetValue(key, out var label))
        {
            label = _a.CreateLabel();
            stubs[key] = label;
        }
        return label;
    }

    /// <summary>Emits every stub asked for; <paramref name="storeCached"/> emits the stores of the block's cached guest registers (before a jump into the successor).</summary>
    public void Emit(Action storeCached)
    {
        foreach (var ((target, behind), label) in _exits)
        {
            var l = label;
            _a.Label(ref l);
            _a.mov(rax, (long)target);
            _a.mov(__qword_ptr[r12 + HostState.Rip * 8], rax);
            if (behind != 0)
                _a.lea(r14, __[r14 - behind]);
            _a.jmp(Epilogue);
        }
        _cells = GC.AllocateArray<ulong>(_chainExits.Count * HostChain.CellWords, pinned: true);
        if (_cells.Length == 0 && !_dynamicUsed)
            return;
        var linked = _a.CreateLabel();
        var unlinked = _a.CreateLabel();
        var cell = 0;
        foreach (var (target, label) in _chainExits)
        {
            var l = label;
            _a.Label(ref l);
            _a.mov(rax, (long)target);
            _a.mov(__qword_ptr[r12 + HostState.Rip * 8], rax);
            _a.mov(rcx, (long)Marshal.UnsafeAddrOfPinnedArrayElement(_cells, cell++ * HostChain.CellWords));
            _a.mov(rax, __qword_ptr[r12 + HostState.ChainEpoch * 8]);
            _a.cmp(rax, __qword_ptr[rcx + HostChain.Epoch * 8]);
            _a.je(linked);
            _a.jmp(unlinked);
        }
        if (_dynamicUsed)
        {
            _a.Label(ref _dynamic);
            _a.mov(__qword_ptr[r12 + HostState.Rip * 8], rax);
            _a.mov(rcx, rax); // the cell: jump cache + ((target ^ target >> 12) mod entries) × the cell's bytes
            _a.shr(rcx, 12);
            _a.xor(rcx, rax);
            _a.and(ecx, HostChain.JumpCacheEntries - 1);
            _a.imul(ecx, ecx, HostChain.CellWords * 8);
            _a.add(rcx, __qword_ptr[r12 + HostState.JumpCache * 8]);
            _a.cmp(rax, __qword_ptr[rcx + HostChain.Target * 8]);
            _a.jne(unlinked);
            _a.mov(rax, __qword_ptr[r12 + HostState.ChainEpoch * 8]);
            _a.cmp(rax, __qword_ptr[rcx + HostChain.Epoch * 8]);
            _a.je(linked);
        }
        _a.Label(ref unlinked);
        _a.mov(__qword_ptr[r12 + HostState.ExitCell * 8], rcx);
        _a.jmp(Epilogue);
        _a.Label(ref linked);
        _a.inc(__qword_ptr[r12 + HostState.Linked * 8]);
        storeCached();
        _a.jmp(__qword_ptr[rcx + HostChain.Entry * 8]);
    }
}
