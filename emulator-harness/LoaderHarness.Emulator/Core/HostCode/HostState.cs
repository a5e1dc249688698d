namespace LoaderHarness.Emulator.Core.HostCode;

/// <summary>
/// The slots of a CPU's pinned state block that generated code reads and writes, in 8-byte units, the same for both
/// guest architectures (x86's host code, <c>X86.Tier2.HostCode.HostTranslator</c>, and A64's,
/// <c>Arm64.Tier2.HostCode.A64HostTranslator</c>; slots 9–12 are x86's alone, 13–15 A64's). Generated code gets the block's
/// address and the register array's (both pinned, never moved) and nothing else of the CPU; the managed side copies the
/// rest in before a call and out after it, except the A64 exclusive monitor, which lives here.
/// </summary>
internal static class HostState
{
    /// <summary>Out: the guest's RIP or PC where the block left.</summary>
    public const int Rip = 0;

    /// <summary>In and out: the run's executed-instruction count.</summary>
    public const int Executed = 1;

    /// <summary>In: the run's limit, re-read at every budget check; another thread lowers it to stop the run.</summary>
    public const int Limit = 2;

    /// <summary>In: the address of the TLB (<see cref="Core.TlbEntry"/>[<see cref="Core.SoftMmu.TlbSize"/>], pinned).</summary>
    public const int Tlb = 3;

    /// <summary>
    /// In and out: the host's arithmetic flags as LAHF and SETO leave them in AX: bits 8–15 RFLAGS' low byte (SF, ZF, AF,
    /// PF, CF), bit 0 OF. Generated code stores the word; two cheap instructions make it, where PUSHFQ is microcoded, and
    /// it goes back into RFLAGS with an ADD for OF and SAHF. x86 guests keep their six flags here
    /// (<c>X86Cpu.PackFlags</c>); A64 guests their NZCV as SF, ZF, CF and OF (<c>Arm64Cpu.PackNzcv</c>).
    /// </summary>
    public const int Flags = 4;

    /// <summary>
    /// In: the epoch a link cell must hold for an exit to jump straight into its successor's host code
    /// (<see cref="HostChain"/>); <see cref="HostChain.Off"/> when this entry must not chain.
    /// </summary>
    public const int ChainEpoch = 5;

    /// <summary>Out: the link cell of the exit the code left through when that cell did not hold; 0 when it left any other way.</summary>
    public const int ExitCell = 6;

    /// <summary>In and out: jumps made from one block's host code straight into another's.</summary>
    public const int Linked = 7;

    /// <summary>In: the address of the CPU's jump cache (<see cref="HostChain.JumpCacheEntries"/> link cells, pinned).</summary>
    public const int JumpCache = 8;

    /// <summary>In (x86): FS's base, which a memory operand with an FS override adds (GS's follows at <see cref="GsBase"/>).</summary>
    public const int FsBase = 9;

    /// <summary>In (x86): GS's base.</summary>
    public const int GsBase = 10;

    /// <summary>In and out (x86): RFLAGS without its arithmetic flags (IF, DF, IOPL...), which PUSHF pushes and CLI and STI change IF in.</summary>
    public const int FlagsRest = 11;

    /// <summary>In (x86): the CPL, which CLI and STI compare with IOPL.</summary>
    public const int Cpl = 12;

    /// <summary>In (A64): which exception level's stack pointer SP is now (0 when SP_EL0 is in the register array's SP slot).</summary>
    public const int LiveSp = 13;

    /// <summary>In and out (A64): the exclusive monitor's address (LDXR sets it, STXR compares it).</summary>
    public const int MonitorAddress = 14;

    /// <summary>In and out (A64): the exclusive monitor's size in bytes; 0 when the monitor is open (no exclusive access pending).</summary>
    public const int MonitorSize = 15;

    /// <summary>
    /// In: the address of the TLB refill host code calls on a miss (<see cref="HostTlb.Probe"/>), an unmanaged function of
    /// the guest address and the access (<see cref="HostTlb.RefillAccess"/>) that returns nonzero when the TLB now maps it.
    /// </summary>
    public const int TlbRefill = 16;

    /// <summary>
    /// In: what a read of the guest's time counter adds to the run's count of instructions retired, the counter less that
    /// count (x86 RDTSC, <c>X86Cpu.Tsc</c>; A64 CNTPCT_EL0 and CNTVCT_EL0, <c>Arm64Cpu.Counter</c>).
    /// </summary>
    public const int CounterOffset = 17;

    /// <summary>In (x86): IA32_TSC_AUX, which RDTSCP reads into ECX (only WRMSR changes it).</summary>
    public const int TscAux = 18;

    /// <summary>Slots in the block.</summary>
    public const int Count = 19;
}
