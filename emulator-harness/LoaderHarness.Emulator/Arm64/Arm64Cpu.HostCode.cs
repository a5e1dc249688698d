using System.Runtime.CompilerServices;
using LoaderHarness.Emulator.Arm64.Tier2;
using LoaderHarness.Emulator.Arm64.Tier2.HostCode;
using LoaderHarness.Emulator.Core.HostCode;
using LoaderHarness.Emulator.Core.Tiering;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// The CPU's side of the host-code back end (<see cref="A64HostTranslator"/>), as x86's (<c>X86Cpu.HostCode.cs</c>): the
/// pinned state block its code reads and writes, and the call into a block, which copies what the code needs in and
/// its results out.
/// </summary>
public sealed unsafe partial class Arm64Cpu
{
    /// <summary>The body of a host-code block: calls <paramref name="code"/> through <see cref="RunHostCode"/>.</summary>
    internal A64BlockBody HostBody(ExecutableCode code) => () => RunHostCode(code);

    /// <summary>
    /// NZCV as the state block holds the host's flags (<see cref="HostState.Flags"/>): N as SF (bit 15), Z as ZF (14),
    /// C as CF (8), V as the OF byte (bit 0).
    /// </summary>
    internal static uint PackNzcv(uint nzcv) => (nzcv >> 31 & 1) << 15 | (nzcv >> 30 & 1) << 14 | (nzcv >> 29 & 1) << 8 | (nzcv >> 28 & 1);

    /// <summary>The state block's flags word as NZCV.</summary>
    private static uint UnpackNzcv(ulong packed) => (uint)((packed >> 15 & 1) << 31 | (packed >> 14 & 1) << 30 | (packed >> 8 & 1) << 29 | (packed & 1) << 28);

    private protected override IBlockLinkCounts? LinkCounts => _blocks;

    /// <summary>
    /// The largest block (as a shift: 12 for 4 KiB pages, 21 for 2 MiB blocks, 30 for 1 GiB) any instruction fetch walked
    /// to since the instruction TLB was last emptied: a TLB entry of code may serve that much around the address fetched.
    /// </summary>
    private int _codeBlockShift = 12;

    /// <summary>The regions (addresses shifted by <see cref="_codeBlockShift"/>) host code's links of <see cref="_linkedRegionsEpoch"/> lead into.</summary>
    private readonly HashSet<ulong> _linkedRegions = [];

    private ulong _linkedRegionsEpoch;

    /// <summary>An instruction fetch walked to a leaf mapping 1 &lt;&lt; <paramref name="shift"/> bytes: links recorded at a smaller granularity are voided.</summary>
    private void NoteCodeMapping(int shift)
    {
        if (shift <= _codeBlockShift)
            return;
        _codeBlockShift = shift;
        VoidHostLinks();
    }

    /// <summary>Records that a link of the current epoch leads to <paramref name="target"/>.</summary>
    private void NoteLinkTarget(ulong target)
    {
        var epoch = HostChainEpoch();
        if (_linkedRegionsEpoch != epoch)
        {
            _linkedRegions.Clear();
            _linkedRegionsEpoch = epoch;
        }
        _linkedRegions.Add(target >> _codeBlockShift);
    }

    /// <summary>Whether a TLB entry holding <paramref name="va"/> may also translate a link's target.</summary>
    private bool LinksMayReach(ulong va) => _linkedRegionsEpoch == HostChainEpoch() && _linkedRegions.Contains(va >> _codeBlockShift);

    /// <summary>
    /// Ends a running chain after the current instruction where what a link was checked against may have changed (a write
    /// to decoded code, a TLB flush, an exception-level or translation change): also voids every link host code holds.
    /// </summary>
    private void BreakLinks()
    {
        _run.Break();
        VoidHostLinks();
    }

    /// <summary>Runs host code (<see cref="Core.GuestCpuCore.CallHostCode"/>) with NZCV, the live stack pointer and the counter's offset in the state block, and PC and NZCV from it.</summary>
    private void RunHostCode(ExecutableCode code)
    {
        var s = HostStateBlock;
        s[HostState.Flags] = PackNzcv(Nzcv);
        s[HostState.LiveSp] = (ulong)_liveSp;
        s[HostState.CounterOffset] = Counter - _run.Executed;
        CallHostCode(code, R);
        Pc = s[HostState.Rip];
        Nzcv = UnpackNzcv(s[HostState.Flags]);
    }
}
