using System.Runtime.CompilerServices;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;
using LoaderHarness.Emulator.Devices;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// An instruction-level AArch64 CPU (EL0–EL2, no EL3, no AArch32, integer instructions) executing over
/// <see cref="GuestMemory"/>. Every instruction is decoded once by Capstone and the engine's field
/// decoder into an <see cref="A64Instruction"/> cached per physical page; handlers are grouped by
/// family. HVC (when the guest does not own EL2) and SMC are answered by the harness as PSCI firmware.
/// The type is split over several files by concern.
/// </summary>
public sealed unsafe partial class Arm64Cpu
{
    /// <summary>Index of the zero register for reads (always 0).</summary>
    internal const int Zr = 31;
    /// <summary>Index written when the destination is XZR: its value is never read.</summary>
    internal const int Discard = 32;
    /// <summary>Index of the current stack pointer (SP_EL0 or SP_ELx per PSTATE.SP).</summary>
    internal const int Sp = 33;

    private readonly ulong[] _regStore = GC.AllocateArray<ulong>(34, pinned: true);

    /// <summary>X0–X30, then the zero slot, the discard slot and the current SP (see <see cref="Zr"/>, <see cref="Discard"/>, <see cref="Sp"/>).</summary>
    internal readonly ulong* R;

    /// <summary>SP_EL0..SP_EL2; the one PSTATE selects lives in <see cref="R"/>[<see cref="Sp"/>].</summary>
    private readonly ulong[] _spBank = GC.AllocateArray<ulong>(3, pinned: true);

    /// <summary>Where SP_EL0 is kept while another stack pointer is SP (pinned, for host code's MRS).</summary>
    internal ulong* BankedSpEl0 => (ulong*)Unsafe.AsPointer(ref _spBank[0]);
    private int _liveSp;

    /// <summary>Creates a CPU at EL1h with DAIF masked and the MMU off, over <paramref name="memory"/>.</summary>
    /// <param name="memory">Guest-physical memory.</param>
    /// <param name="bus">MMIO devices; a PL011 UART is added at its QEMU <c>virt</c> address when the bus has none there.</param>
    /// <param name="identity">What the ID registers report; <see cref="Arm64Identity.Default"/> when null.</param>
    public Arm64Cpu(GuestMemory memory, IoBus? bus = null, Arm64Identity? identity = null)
        : this(memory, bus ?? new IoBus(), new CodeCache<A64Instruction>(), identity)
    {
    }

    private Arm64Cpu(GuestMemory memory, IoBus bus, CodeCache<A64Instruction> code, Arm64Identity? identity)
        : base(memory, bus, code, RuntimeFeature.IsDynamicCodeSupported ? TierPolicy.DefaultThreshold : TierPolicy.HostCodeThreshold)
    {
        _code = code;
        Identity = identity ?? Arm64Identity.Default;
        R = (ulong*)Unsafe.AsPointer(ref _regStore[0]);
        Uart = new Pl011Uart();
        if (!Bus.ClaimsMmio(Pl011Uart.VirtBase))
            Bus.RegisterMmio(Pl011Uart.VirtBase, Pl011Uart.WindowSize, Uart);
        Reset();
    }

    /// <summary>The identity reported through MIDR, MPIDR and the ID_AA64* registers.</summary>
    public Arm64Identity Identity { get; }

    /// <summary>The PL011 console at 0x0900_0000 (QEMU <c>virt</c>).</summary>
    public Pl011Uart Uart { get; }

    /// <summary>Program counter.</summary>
    public ulong Pc { get; set; }

    /// <summary>Where execution continues after the current instruction; branches set it.</summary>
    internal ulong NextPc;

    /// <summary>PSTATE.{N,Z,C,V} in bits 31..28, as the NZCV register reads.</summary>
    public uint Nzcv { get; set; }

    /// <summary>PSTATE.{D,A,I,F} as 4 bits (D = 8 ... F = 1).</summary>
    public uint Daif
    {
        get => _daif;
        set
        {
            _daif = value;
            if ((value & IrqMask) == 0 && _interruptInput is { IsAsserted: true })
                _run.Break(); // unmasked with IRQ pending: take it at the next boundary
        }
    }

    private uint _daif;

    /// <summary>Current exception level, 0–2.</summary>
    public int ExceptionLevel { get; private set; }

    /// <summary>PSTATE.SP: whether SP_ELx (true) or SP_EL0 is in use.</summary>
    public bool SpSel { get; private set; }

    /// <summary>
    /// Whether EL2 belongs to the guest (it entered at EL2): HVC from EL1 then goes to the guest's EL2
    /// vectors. When false, EL2 is the harness: HVC is a PSCI call it answers.
    /// </summary>
    public bool GuestOwnsEl2 { get; set; }

    /// <summary>Puts the CPU in the state Linux's arm64 booting.rst expects from a VMM at EL1h and drops every cache.</summary>
    public void Reset()
    {
        for (var i = 0; i < 34; i++)
            R[i] = 0;
        Array.Clear(_spBank);
        _liveSp = 0;
        Nzcv = 0;
        Pc = 0;
        ResetSystemRegisters();
        UpdateTimers();
        SetPstate(Arm64Pstate.El1hMasked);
        ClearExclusiveMonitor();
        _eventRegister = false;
        InvalidateCodeCache();
    }

    /// <summary>X0–X30 (index 31 reads as XZR and cannot be written).</summary>
    public ulong this[int register]
    {
        get => (uint)register < 31 ? R[register] : 0;
        set
        {
            if ((uint)register >= 31)
                throw new ArgumentOutOfRangeException(nameof(register), register, "X0–X30 only; use Sp for the stack pointer");
            R[register] = value;
        }
    }

    /// <summary>The stack pointer PSTATE currently selects.</summary>
    public ulong StackPointer
    {
        get => R[Sp];
        set => R[Sp] = value;
    }

    /// <summary>SP_EL<paramref name="el"/> whether or not it is the one in use.</summary>
    public ulong GetStackPointer(int el) => el == _liveSp ? R[Sp] : _spBank[el];

    /// <summary>Sets SP_EL<paramref name="el"/> whether or not it is the one in use.</summary>
    public void SetStackPointer(int el, ulong value)
    {
        if (el == _liveSp)
            R[Sp] = value;
        else
            _spBank[el] = value;
    }

    /// <summary>PSTATE in SPSR layout (NZCV, DAIF, M[3:0] = EL and SP).</summary>
    public ulong Pstate
    {
        get => GetPstate();
        set => SetPstate(value);
    }

    internal ulong GetPstate() =>
        Nzcv | (Daif << 6) | (uint)(ExceptionLevel << 2) | (SpSel ? 1u : 0u) | _pstateOther;

    /// <summary>PSTATE bits kept but not interpreted (PAN, UAO, DIT, SSBS...).</summary>
    private ulong _pstateOther;

    /// <summary>Loads PSTATE from an SPSR-format value: flags, masks, EL and SP selection.</summary>
    internal void SetPstate(ulong value)
    {
        Nzcv = (uint)value & 0xF000_0000;
        Daif = (uint)(value >> 6) & 0xF;
        _pstateOther = value & Arm64Pstate.KeptBits;
        var el = (int)(value >> 2) & 3;
        var spSel = (value & 1) != 0;
        if (el != ExceptionLevel)
        {
            ExceptionLevel = el;
            FlushTlb();
        }
        SpSel = spSel;
        SelectStackPointer();
    }

    /// <summary>Swaps the live SP for the bank PSTATE.{EL,SP} selects.</summary>
    private void SelectStackPointer()
    {
        var want = SpSel ? ExceptionLevel : 0;
        if (want == _liveSp)
            return;
        _spBank[_liveSp] = R[Sp];
        R[Sp] = _spBank[want];
        _liveSp = want;
    }

    internal void SetSpSel(bool spSel)
    {
        SpSel = spSel;
        SelectStackPointer();
    }

    /// <summary>The event register WFE consumes and SEV/SEVL set.</summary>
    private bool _eventRegister;
}
