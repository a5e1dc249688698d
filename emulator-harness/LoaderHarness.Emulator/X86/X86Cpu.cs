using System.Runtime.CompilerServices;
using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;
using LoaderHarness.Emulator.Devices;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// An instruction-level x86 CPU (real, protected and long mode) executing over <see cref="GuestMemory"/>.
/// Instructions are decoded once by Iced and cached per physical page; handlers are grouped by family
/// (Arithmetic, Logic, Shifts, DataMovement, ControlFlow, Strings, SystemInstructions...) and dispatched
/// from a table indexed by Iced <see cref="Code"/>. The type is split over several files by concern.
/// </summary>
public sealed unsafe partial class X86Cpu
{
    private readonly ulong[] _regStore = GC.AllocateArray<ulong>(17, pinned: true);

    /// <summary>GPRs RAX..R15 at 0..15; slot 16 is always zero (stands in for "no register" and RIP in addressing).</summary>
    internal readonly ulong* R;

    internal readonly Segment[] Seg = new Segment[8];

    /// <summary>Base used for address computation per segment (0 for ES/CS/SS/DS in 64-bit mode).</summary>
    internal readonly ulong[] SegBase = new ulong[6];

    internal readonly GuestFault Fault = new();

    /// <summary>Creates a CPU in the power-on state (real mode, CS:IP = F000:FFF0, SDM Vol. 3A §9.1.4) over <paramref name="memory"/>.</summary>
    public X86Cpu(GuestMemory memory, IoBus? bus = null, CpuIdTable? cpuId = null, MsrTable? msrs = null)
        : this(memory, bus ?? new IoBus(), new CodeCache<DecodedInstruction>(), cpuId, msrs)
    {
    }

    private X86Cpu(GuestMemory memory, IoBus bus, CodeCache<DecodedInstruction> code, CpuIdTable? cpuId, MsrTable? msrs)
        : base(memory, bus, code, RuntimeFeature.IsDynamicCodeSupported ? TierPolicy.DefaultThreshold : TierPolicy.HostCodeThreshold)
    {
        _code = code;
        CpuId = cpuId ?? CpuIdTable.Default();
        Msrs = msrs ?? MsrTable.Default();
        R = (ulong*)Unsafe.AsPointer(ref _regStore[0]);
        _reader = new GuestCodeReader();
        _decoders = [Decoder.Create(16, _reader), Decoder.Create(32, _reader), Decoder.Create(64, _reader)];
        RegisterBuiltInDevices();
        Reset();
    }

    /// <summary>The identity CPUID reports.</summary>
    public CpuIdTable CpuId { get; }

    /// <summary>The MSRs RDMSR/WRMSR reach.</summary>
    public MsrTable Msrs { get; }

    /// <summary>Instruction pointer (an offset in CS).</summary>
    public ulong Rip { get; set; }

    /// <summary>Where execution continues after the current instruction; handlers that branch set it.</summary>
    internal ulong NextRip;

    /// <summary>CR2: the linear address of the last page fault.</summary>
    public ulong Cr2 { get; set; }

    /// <summary>CR8 (task priority).</summary>
    public ulong Cr8 { get; set; }

    /// <summary>XCR0 (x87 only unless the guest enables more through XSETBV).</summary>
    public ulong Xcr0 { get; internal set; } = 1;

    /// <summary>GDTR.</summary>
    public DescriptorTableRegister Gdtr { get; set; }

    /// <summary>IDTR.</summary>
    public DescriptorTableRegister Idtr { get; set; }

    /// <summary>
    /// DR0–DR7 (readable and writable; breakpoints through them are not implemented), at their reset values:
    /// DR6 = FFFF0FF0H and DR7 = 400H (Intel SDM Vol. 3A, Table 10-1 "IA-32 and Intel 64 Processor States
    /// Following Power-up, Reset, or INIT"), which is also what KVM gives a new vCPU.
    /// </summary>
    public ulong[] DebugRegisters { get; } = [0, 0, 0, 0, 0, 0, 0xFFFF_0FF0, 0x400];

    /// <summary>IA32_KERNEL_GS_BASE, exchanged with GS.base by SWAPGS.</summary>
    public ulong KernelGsBase { get; set; }

    /// <summary>IA32_TSC_AUX.</summary>
    public ulong TscAux { get; set; }

    /// <summary>
    /// The time-stamp counter: one tick per executed instruction plus the cycles that passed while the CPU
    /// waited in HLT (<see cref="PassIdleCycles"/>), so it runs at one fixed rate in virtual time.
    /// </summary>
    public ulong Tsc => _tscBase + TotalInstructions + IdleCycles;

    /// <summary>TSC ticks that passed without instructions (the CPU halted while virtual time moved on).</summary>
    public ulong IdleCycles { get; private set; }

    /// <summary>Lets <paramref name="cycles"/> TSC ticks pass without executing (a halted CPU waiting for an interrupt).</summary>
    public void PassIdleCycles(ulong cycles) => IdleCycles += cycles;

    /// <summary>Whether RFLAGS.IF is set (maskable interrupts accepted).</summary>
    public bool InterruptsEnabled => (FlagsRest & FlagBits.IF) != 0;

    private ulong _tscBase;

    /// <summary>Current privilege level.</summary>
    public int Cpl { get; private set; }

    /// <summary>Default operand size of the code being executed: 16, 32 or 64.</summary>
    public int Bitness { get; private set; } = 16;

    /// <summary>Whether CS is a 64-bit code segment in long mode.</summary>
    internal bool Mode64;

    /// <summary>Stack pointer width in bytes (SS.B, or 8 in 64-bit mode).</summary>
    internal int StackSize = 2;

    /// <summary>Puts the CPU in its power-on state (SDM Vol. 3A Table 9-1) and drops every cache.</summary>
    public void Reset()
    {
        for (var i = 0; i < 17; i++)
            R[i] = 0;
        R[2] = 0x600; // EDX = family/model/stepping signature
        SetRflagsValue(FlagBits.Fixed1);
        _cr0 = ControlBits.Cr0Et | ControlBits.Cr0Cd | ControlBits.Cr0Nw;
        _cr3 = _cr4 = _efer = 0;
        Cr2 = Cr8 = 0;
        Gdtr = Idtr = new DescriptorTableRegister(0, 0xFFFF);
        for (var s = 0; s < 6; s++)
            Seg[s] = Segment.RealMode(0);
        Seg[(int)SegmentRegister.Cs] = new Segment(0xF000, 0xFFFF_0000, 0xFFFF, 0x9B);
        Seg[(int)SegmentRegister.Ldtr] = new Segment(0, 0, 0xFFFF, 0x82);
        Seg[(int)SegmentRegister.Tr] = new Segment(0, 0, 0xFFFF, 0x8B);
        Rip = 0xFFF0;
        InvalidateCodeCache();
        UpdateMode();
    }

    /// <summary>A general-purpose register by its Iced name (any width: RAX, EAX, AX, AL, AH...).</summary>
    public ulong this[Register register]
    {
        get => ReadReg(register);
        set => WriteReg(register, value);
    }

    /// <summary>RFLAGS with the arithmetic flags materialised.</summary>
    public ulong Rflags
    {
        get => GetRflags();
        set => SetRflagsValue(value);
    }

    /// <summary>A segment register's visible selector and hidden cache.</summary>
    public Segment GetSegment(SegmentRegister register) => Seg[(int)register];

    /// <summary>Loads a segment register's cache directly (as a VMM sets vCPU state); the mode follows CS.</summary>
    public void SetSegment(SegmentRegister register, Segment value)
    {
        Seg[(int)register] = value;
        UpdateMode();
    }

    /// <summary>
    /// Derives CPL, code bitness, stack width and effective segment bases from CR0, EFER and the segment
    /// caches (SDM Vol. 3A §2.2, §5.2.1). Called whenever one of them changes. Host code's links are voided only when
    /// what its code assumes changed (the compiled shape, CS's base or limit; a CPL change flushes the TLB): a kernel's
    /// IRET to itself (sync_core) and its segment loads had voided them some 200,000 times on the PVH boot to /init.
    /// </summary>
    internal void UpdateMode()
    {
        var (shape, csBase, fetchLimit) = (CompiledShape, _csBase, _fetchLimit);
        ref var cs = ref Seg[(int)SegmentRegister.Cs];
        var lma = (_efer & ControlBits.EferLma) != 0;
        Mode64 = lma && cs.Long;
        Bitness = Mode64 ? 64 : cs.Big ? 32 : 16;
        var cpl = (_cr0 & ControlBits.Cr0Pe) == 0 ? 0 : (InVirtual8086 ? 3 : cs.Selector & 3);
        if (cpl != Cpl)
        {
            Cpl = cpl;
            FlushTlb();
        }
        StackSize = Mode64 ? 8 : Seg[(int)SegmentRegister.Ss].Big ? 4 : 2;
        for (var s = 0; s < 6; s++)
            SegBase[s] = Mode64 && s < 4 ? 0 : Seg[s].Base;
        _ipMask = Bitness == 64 ? ulong.MaxValue : Bitness == 32 ? 0xFFFF_FFFFUL : 0xFFFFUL;
        _csBase = SegBase[(int)SegmentRegister.Cs];
        _fetchLimit = Protected && !Mode64 ? cs.Limit : ulong.MaxValue;
        _fetch.Rekey(); // the fetch key (CS base and limit, bitness) may have changed
        UpdateCompiledShape();
        if (shape != CompiledShape || csBase != _csBase || fetchLimit != _fetchLimit)
            BreakLinks();
        else
            BreakChain();
    }

    /// <summary>XMM0–XMM15 as low/high quadword pairs.</summary>
    internal readonly ulong[] Xmm = new ulong[32];

    /// <summary>x87 control word, status word and abridged tag word (FXSAVE format).</summary>
    internal ushort Fcw = 0x37F, Fsw;

    internal byte FtwAbridged;

    /// <summary>MXCSR (power-on value 0x1F80).</summary>
    internal uint Mxcsr = 0x1F80;

    private bool InVirtual8086 => (FlagsRest & FlagBits.VM) != 0;

    private ulong _ipMask = 0xFFFF;

    /// <summary>CS base as used for fetch (<see cref="SegBase"/> of CS).</summary>
    private ulong _csBase;

    /// <summary>Highest offset an instruction may occupy: CS's limit in protected mode outside 64-bit mode, else unchecked (all ones).</summary>
    private ulong _fetchLimit = ulong.MaxValue;
}
