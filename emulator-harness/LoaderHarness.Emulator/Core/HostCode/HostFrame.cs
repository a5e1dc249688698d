using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Emulator.Core.HostCode;

/// <summary>
/// The frame every block's host code shares, for both guest architectures. System V AMD64: RDI = the register array,
/// RSI = the state block (<see cref="HostState"/>); RBX, RBP and R12–R15 are callee-saved. Inside the block RBX holds the
/// register array, R12 the state block and R14 the run's count; every block pushes the same, so an exit may jump straight
/// into another block's chained entry with its own frame in place (<see cref="HostExits"/>).
/// </summary>
internal static class HostFrame
{
    /// <summary>
    /// A block's whole function: the prologue, the chained entry (where another block's exit jumps in) loading the
    /// <paramref name="cache"/>d guest registers, a jump to the <paramref name="head"/> node, the <paramref name="nodes"/>
    /// in address order (<paramref name="emitNode"/>), its return entries (<paramref name="secondEntries"/>, <see cref="ReturnEntries"/>),
    /// the exit stubs and the epilogue, each storing the cached registers.
    /// </summary>
    public static void Function(Assembler a, HostExits exits, Register[] cache, ref Label chainEntry, Label head, int nodes, Action<int> emitNode,
        Action? secondEntries = null)
    {
        Enter(a);
        a.Label(ref chainEntry);
        MoveCached(a, cache, load: true);
        a.jmp(head);
        for (var i = 0; i < nodes; i++)
            emitNode(i);
        secondEntries?.Invoke();
        exits.Emit(() => MoveCached(a, cache, load: false));
        a.Label(ref exits.Epilogue);
        MoveCached(a, cache, load: false);
        Return(a);
    }

    /// <summary>
    /// Another way into the block, at <paramref name="target"/> (a basic block's leader, which checks the budget itself):
    /// a prologue at <paramref name="entry"/> for the run loop falling into a chained entry at <paramref name="chainEntry"/>
    /// for other blocks' exits, which loads the cached guest registers as the head's does.
    /// </summary>
    private static void SecondEntry(Assembler a, Register[] cache, ref Label entry, ref Label chainEntry, Label target)
    {
        a.Label(ref entry);
        Enter(a);
        a.Label(ref chainEntry);
        MoveCached(a, cache, load: true);
        a.jmp(target);
    }

    /// <summary>
    /// The block's return entries: a <see cref="SecondEntry"/> at each of its return <paramref name="sites"/> that
    /// <paramref name="enterable"/> names a node for (a leader of the block with a host form; -1 for none), once per node.
    /// A callee compiled as a block of its own then returns there, through the jump cache, instead of leaving to the run
    /// loop and the interpreter. Returns the node, the prologue and the chained entry of each.
    /// </summary>
    public static List<(int Node, Label Entry, Label ChainEntry)> ReturnEntries(Assembler a, Register[] cache, Label[] labels,
        List<ulong> sites, Func<ulong, int> enterable)
    {
        var entries = new List<(int Node, Label Entry, Label ChainEntry)>();
        foreach (var site in sites)
        {
            var k = enterable(site);
            if (k < 0 || entries.Exists(e => e.Node == k))
                continue;
            var entry = a.CreateLabel();
            var chainEntry = a.CreateLabel();
            SecondEntry(a, cache, ref entry, ref chainEntry, labels[k]);
            entries.Add((k, entry, chainEntry));
        }
        return entries;
    }

    /// <summary>The prologue: the callee-saved registers pushed, RBX, R12 and R14 loaded.</summary>
    private static void Enter(Assembler a)
    {
        a.push(rbx);
        a.push(rbp);
        a.push(r12);
        a.push(r13);
        a.push(r14);
        a.push(r15);
        a.mov(rbx, rdi);
        a.mov(r12, rsi);
        a.mov(r14, __qword_ptr[r12 + HostState.Executed * 8]);
    }

    /// <summary>The epilogue: the count stored, the callee-saved registers popped, the return.</summary>
    private static void Return(Assembler a)
    {
        a.mov(__qword_ptr[r12 + HostState.Executed * 8], r14);
        a.pop(r15);
        a.pop(r14);
        a.pop(r13);
        a.pop(r12);
        a.pop(rbp);
        a.pop(rbx);
        a.ret();
    }

    /// <summary>Loads the guest registers <paramref name="cache"/> keeps in host registers (by register-array slot) from the array, or stores them back.</summary>
    public static void MoveCached(Assembler a, Register[] cache, bool load)
    {
        for (var slot = 0; slot < cache.Length; slot++)
        {
            if (cache[slot] == Register.None)
                continue;
            if (load)
                a.mov(new AssemblerRegister64(cache[slot]), __qword_ptr[rbx + slot * 8]);
            else
                a.mov(__qword_ptr[rbx + slot * 8], new AssemblerRegister64(cache[slot]));
        }
    }

    /// <summary>
    /// At a basic block's start: leave through <paramref name="exit"/> unless the run's limit covers the whole basic
    /// block of <paramref name="length"/> instructions (the interpreter stops when its count reaches the limit; the slot
    /// is re-read, since another thread may lower it), then count it.
    /// </summary>
    public static void BudgetCheck(Assembler a, int length, Label exit)
    {
        a.lea(rax, __[r14 + length]);
        a.cmp(rax, __qword_ptr[r12 + HostState.Limit * 8]);
        a.ja(exit);
        a.lea(r14, __[r14 + length]);
    }
}
