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
    private readonly List<(Label Site, Label Retry, Label Miss, int Access)> _refills = EmptiedList(ref _threadRefills);
    private Label _dynamic;
    private bool _dynamicUsed;
    private ulong[] _cells = [];

    /// <summary>The translators' tables, one set per thread and emptied for each block (made anew they were most of what a block's translation allocated).</summary>
    [ThreadStatic]
    private static Dictionary<(ulong, int), Label>? _threadExits;

    [ThreadStatic]
    private static Dictionary<ulong, Label>? _threadChainExits;

    [ThreadStatic]
    private static List<(Label, Label, Label, int)>? _threadRefills;

    private static List<(Label, Label, Label, int)> EmptiedList(ref List<(Label, Label, Label, int)>? list)
    {
        list ??= [];
        list.Clear();
        return list;
    }

    private static Dictionary<TKey, Label> Emptied<TKey>(ref Dictionary<TKey, Label>? table)
        where TKey : notnull
    {
        table ??= [];
        table.Clear();
        return table;
    }

    /// <summary>The assembler the block is written with.</summary>
    public Assembler Assembler => _a;

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

    /// <summary>
    /// A TLB probe's miss path (<see cref="HostTlb.Probe"/>): the CPU's refill (<see cref="HostState.TlbRefill"/>) is called
    /// for <paramref name="access"/> (<see cref="HostTlb.RefillAccess"/>) at RDI, every register the block may hold a value
    /// in kept; when the TLB now maps it the probe runs again from <paramref name="retry"/>, its second instruction, else
    /// the block leaves through <paramref name="miss"/>.
    /// </summary>
    public Label Refill(Label retry, Label miss, int access)
    {
        var site = _a.CreateLabel();
        _refills.Add((site, retry, miss, access));
        return site;
    }

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
        EmitRefills();
        foreach (var ((target, behind), label) in _exits)
        {
            var l = label;
            _a.Label(ref l);
            StoreQword(_a, __qword_ptr[r12 + HostState.Rip * 8], target);
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
            _a.mov(rcx, (long)Marshal.UnsafeAddrOfPinnedArrayElement(_cells, cell++ * HostChain.CellWords));
            _a.mov(rax, __qword_ptr[r12 + HostState.ChainEpoch * 8]);
            _a.cmp(rax, __qword_ptr[rcx + HostChain.Epoch * 8]);
            _a.je(linked); // the successor's own exits say where it leaves: the guest address is stored only when this one does
            StoreQword(_a, __qword_ptr[r12 + HostState.Rip * 8], target);
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

    /// <summary>
    /// Stores the constant <paramref name="value"/> to <paramref name="to"/>: one MOV of a sign-extended 32-bit immediate
    /// where it fits (a kernel's addresses in its top 2 GiB, x86-64's kernel code model, do), else through RAX.
    /// </summary>
    public static void StoreQword(Assembler a, AssemblerMemoryOperand to, ulong value)
    {
        if ((long)value == (int)value)
            a.mov(to, (int)value);
        else
        {
            a.mov(rax, (long)value);
            a.mov(to, rax);
        }
    }

    /// <summary>
    /// Each refill site, then the call they share. The call keeps what the System V ABI lets a callee change and a block
    /// may hold: RDX, RSI, RDI and R8–R11 (RAX and RCX are free at a probe, the flags were saved before it). Inside a block
    /// RSP is 8 below a 16-byte boundary (the caller's CALL and the prologue's six pushes), so after the site's CALL, the seven
    /// pushes and 8 more bytes the refill is called on an aligned stack.
    /// </summary>
    private void EmitRefills()
    {
        if (_refills.Count == 0)
            return;
        var call = _a.CreateLabel();
        foreach (var (site, retry, miss, access) in _refills)
        {
            var l = site;
            _a.Label(ref l);
            _a.mov(eax, access);
            _a.call(call);
            _a.test(eax, eax);
            _a.jz(miss);
            _a.mov(eax, edi); // the probe's first instruction, which the retry label follows
            _a.jmp(retry);
        }
        _a.Label(ref call);
        AssemblerRegister64[] kept = [rdx, rsi, rdi, r8, r9, r10, r11];
        foreach (var r in kept)
            _a.push(r);
        _a.sub(rsp, 8);
        _a.mov(esi, eax); // RDI, the guest address, is the first argument already
        _a.call(__qword_ptr[r12 + HostState.TlbRefill * 8]);
        _a.add(rsp, 8);
        for (var i = kept.Length - 1; i >= 0; i--)
            _a.pop(kept[i]);
        _a.ret();
    }
}
