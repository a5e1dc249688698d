using System.Runtime.CompilerServices;
using LoaderHarness.Emulator.Core.HostCode;
using LoaderHarness.Emulator.Core.Tiering;
using LoaderHarness.Emulator.X86.Tier2;
using LoaderHarness.Emulator.X86.Tier2.HostCode;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// The CPU's side of the host-code back end (<see cref="HostTranslator"/>): the pinned state block its code reads and
/// writes, and the call into a block, which copies what the code needs in and its results out.
/// </summary>
public sealed unsafe partial class X86Cpu
{
    /// <summary>The body of a host-code block: calls <paramref name="code"/> through <see cref="RunHostCode"/>.</summary>
    internal CompiledBlockBody HostBody(ExecutableCode code) => () => RunHostCode(code);

    /// <summary>RFLAGS' arithmetic flags as <see cref="HostState.Flags"/> holds them.</summary>
    private static ulong PackFlags(ulong rflags) => (rflags & 0xFF) << 8 | (rflags >> 11 & 1);

    /// <summary><see cref="HostState.Flags"/>' word as RFLAGS bits (the arithmetic flags only).</summary>
    private static ulong UnpackFlags(ulong packed) => (packed >> 8 & (FlagBits.CF | FlagBits.PF | FlagBits.AF | FlagBits.ZF | FlagBits.SF)) | (packed & 1) << 11;

    private protected override IBlockLinkCounts? LinkCounts => _blocks;

    /// <summary>
    /// Runs host code (<see cref="Core.GuestCpuCore.CallHostCode"/>): the arithmetic flags (<see cref="HostState.Flags"/>),
    /// FS's and GS's bases, the rest of RFLAGS, the CPL and the TSC's offset go to the state block; RIP, the flags and the rest of RFLAGS come
    /// back (the arithmetic flags as explicit bits, as the interpreter's own <see cref="SetArith"/> records them).
    /// </summary>
    private void RunHostCode(ExecutableCode code)
    {
        var s = HostStateBlock;
        s[HostState.FsBase] = SegBase[(int)SegmentRegister.Fs]; // only the interpreter's WRMSR, SWAPGS and segment loads change them
        s[HostState.GsBase] = SegBase[(int)SegmentRegister.Gs];
        s[HostState.FlagsRest] = FlagsRest;
        s[HostState.Cpl] = (ulong)Cpl;
        s[HostState.CounterOffset] = Tsc - _run.Executed;
        s[HostState.TscAux] = TscAux;
        s[HostState.Flags] = PackFlags(ArithFlags());
        CallHostCode(code, R);
        Rip = s[HostState.Rip];
        FlagsRest = s[HostState.FlagsRest]; // IF as CLI and STI left it: STI sets it only with INTR low, so no interrupt waits
        SetArith(UnpackFlags(s[HostState.Flags]));
    }

}
