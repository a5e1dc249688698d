using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// One cached decoded A64 instruction: the handler and its operands extracted once, so executing it
/// decodes nothing and calls nothing outside the engine. Register fields are indices into
/// <see cref="Arm64Cpu.R"/> already resolved for their context (XZR reads slot 31, XZR writes go to the
/// discard slot 32, SP is slot 33). PC-relative targets are offsets: the entry is shared by every
/// virtual address the physical page is mapped at.
/// </summary>
internal unsafe struct A64Instruction : ICompiledEntry, IFetchedEntry
{
    /// <summary>The handler; null marks an entry that is not decoded (or was invalidated by a write).</summary>
    public delegate*<Arm64Cpu, ref A64Instruction, void> Handler;

    /// <summary>Immediate, offset, mask or branch displacement, by instruction.</summary>
    public ulong Imm;

    /// <summary>Second immediate (bitfield tmask, pair offset, ...).</summary>
    public ulong Imm2;

    /// <summary>The instruction word.</summary>
    public uint Word;

    public byte Rd;
    public byte Rn;
    public byte Rm;
    public byte Ra;

    /// <summary>Access size in bytes for loads and stores; shift amount or bit position otherwise.</summary>
    public byte Size;

    /// <summary>Shift type, extend option, condition or variant, by instruction.</summary>
    public byte Op;

    /// <summary>64-bit (sf = 1) or 32-bit operation; for loads, whether the result is 64-bit.</summary>
    public bool Is64;

    /// <summary>A breakpoint or stop address may be at this page offset: the run loop checks the exact PC.</summary>
    public bool Breakpoint;

    /// <summary>
    /// Where in its code page's entries the instruction at PC + 4 is, once known (slot × <see cref="EntryLinks{TEntry}.Units"/>);
    /// 0 = look it up. A page offset, as the entry: it holds for every virtual address the page is mapped at, and never
    /// leads out of the page (the link of a last word is never made).
    /// </summary>
    public ushort NextAt;

    /// <summary>
    /// As <see cref="NextAt"/>, for the instruction at PC + <see cref="Imm"/> when execution went there: a direct
    /// branch's target (whatever else reached that address by chance is at that place too).
    /// </summary>
    public ushort TargetAt;

    /// <summary>Tiered engine: times the run loop arrived here (the block execution counter).</summary>
    public int Heat;

    /// <summary>Tiered engine: handle of the compiled block starting here (0 none yet, −1 not compilable).</summary>
    public int Compiled;

    /// <inheritdoc/>
    public readonly bool IsStopPoint => Breakpoint;

    /// <inheritdoc/>
    int ICompiledEntry.CompiledHandle
    {
        readonly get => Compiled;
        set => Compiled = value;
    }

    /// <inheritdoc/>
    public void ForgetCompiled()
    {
        Compiled = 0;
        Heat = 0;
    }
}
