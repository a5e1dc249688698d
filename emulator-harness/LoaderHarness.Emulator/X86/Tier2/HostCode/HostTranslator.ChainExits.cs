using LoaderHarness.Emulator.Core.HostCode;
using System.Runtime.InteropServices;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Emulator.X86.Tier2.HostCode;

/// <summary>The exits through which a block's host code may jump straight into the next block's (<see cref="HostChain"/>).</summary>
internal sealed partial class HostTranslator
{
    /// <summary>
    /// The exits that may chain (<see cref="HostChain"/>): those to constant addresses at basic blocks' ends, each with a
    /// cell of its own, and the returns that leave the block (RAX = the popped target), through the jump cache's cell for
    /// that target. When the cell holds the current epoch (and the target) the exit stores the cached registers and jumps
    /// into the successor; otherwise it leaves with RIP = the target and the cell named in the state block.
    /// </summary>
    private void EmitChainExits()
    {
        _cells = GC.AllocateArray<ulong>(_chainExits.Count * HostChain.CellWords, pinned: true);
        if (_cells.Length == 0 && !_returns)
            return;
        var linked = _a.CreateLabel();
        var unlinked = _a.CreateLabel();
        var cell = 0;
        foreach (var (rip, label) in _chainExits)
        {
            var l = label;
            _a.Label(ref l);
            _a.mov(rax, (long)rip);
            _a.mov(__qword_ptr[r12 + HostState.Rip * 8], rax);
            _a.mov(rcx, CellAddress(cell++));
            _a.mov(rax, __qword_ptr[r12 + HostState.ChainEpoch * 8]);
            _a.cmp(rax, __qword_ptr[rcx + HostChain.Epoch * 8]);
            _a.je(linked);
            _a.jmp(unlinked);
        }
        if (_returns)
        {
            _a.Label(ref _returnExit);
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
        _a.jmp(_epilogue);
        _a.Label(ref linked);
        _a.inc(__qword_ptr[r12 + HostState.Linked * 8]);
        MoveCachedRegisters(load: false);
        _a.jmp(__qword_ptr[rcx + HostChain.Entry * 8]);
    }

    private long CellAddress(int cell) => (long)Marshal.UnsafeAddrOfPinnedArrayElement(_cells, cell * HostChain.CellWords);
}
