namespace LoaderHarness.Emulator.Arm64.Tier2;

/// <summary>
/// Maps a decoded A64 instruction to its <see cref="A64Op"/> by the interpreter handler the decoder chose, so
/// the translator covers exactly the encodings the interpreter gives that handler (same operand fields, same
/// UNDEFINED carve-outs). MRS is covered through the interpreter's own read, DC ZVA, the exclusives, CLREX, cache
/// maintenance and MSR of DAIF through the interpreter's own handler (<see cref="A64Op.Helper"/>); other system
/// instructions, exception generation and anything else stay None.
/// </summary>
internal static unsafe class A64OpClassifier
{
    private static readonly Dictionary<nint, A64Op> Ops = Build();

    /// <summary>The op of <paramref name="d"/>, or <see cref="A64Op.None"/>.</summary>
    public static A64Op Classify(in A64Instruction d)
    {
        if (!Ops.TryGetValue((nint)d.Handler, out var op))
            return A64Op.None;
        if (op == A64Op.Helper && !HelperCovers(in d))
            return A64Op.None;
        // B to the word before it, when that word is a hint, is a cpu_relax() spin the interpreter stops on.
        if (op == A64Op.B && d.Imm == unchecked((ulong)-4L))
            return A64Op.None;
        return op;
    }

    private static readonly int DaifSlot = SystemRegisterTable.Slot("DAIF");

    /// <summary>
    /// Which MSR forms a compiled block may call the handler of: those writing only PSTATE.DAIF (MSR DAIFSet and
    /// DAIFClr, Arm ARM C5.2.3 op1:op2 = 011:110 / 011:111; MSR DAIF, <see cref="SystemRegisterTable"/>). The
    /// interpreter's DAIF setter breaks the run when it unmasks a pending interrupt, so the block leaves after the
    /// MSR as the interpreter's loop would. Other MSRs change translation, SP selection or the exception level, on
    /// which compiled code depends, and end the block.
    /// </summary>
    private static bool HelperCovers(in A64Instruction d)
    {
        if ((nint)d.Handler == (nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&SystemInstructions.MsrImmediate)
            return d.Op is 0b011_110 or 0b011_111;
        if ((nint)d.Handler == (nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&SystemInstructions.Msr)
            return (int)d.Imm == DaifSlot;
        return true;
    }

    /// <summary>Whether the op reads NZCV.</summary>
    public static bool ReadsFlags(A64Op op) => op is A64Op.BCond or A64Op.CondSelect or A64Op.CondCompare or A64Op.AddSubCarry;

    /// <summary>Whether the op always writes all of NZCV (ADC/SBC write them only in their S forms, so they count as readers).</summary>
    public static bool WritesFlags(A64Op op)
        => op is A64Op.AddsImm or A64Op.SubsImm or A64Op.AddsSh or A64Op.SubsSh or A64Op.AddsExt or A64Op.SubsExt
            or A64Op.AndsImm or A64Op.AndsSh or A64Op.CondCompare;

    /// <summary>Whether the op accesses memory (may miss the TLB, fault, reach a device or write code).</summary>
    public static bool AccessesMemory(A64Op op) => op is >= A64Op.LoadOffset and <= A64Op.StorePairPost;

    /// <summary>
    /// Whether the op leaves the block's locals for the CPU's own code on its way (a TLB miss, a system register
    /// read): the state is spilled exact before it, so every flag write before it is live, and the run's limit is
    /// checked after it (a device read may stop the run or change the interrupt line).
    /// </summary>
    public static bool TakesSlowPath(A64Op op) => AccessesMemory(op) || op is A64Op.Mrs or A64Op.Helper;

    /// <summary>Direct branches: the target is PC + Imm.</summary>
    public static bool HasTarget(A64Op op) => op is A64Op.B or A64Op.Bl or A64Op.BCond or A64Op.Cbz or A64Op.Cbnz or A64Op.Tbz or A64Op.Tbnz;

    /// <summary>Whether the op continues at PC + 4 when it does not branch.</summary>
    public static bool FallsThrough(A64Op op) => op is not (A64Op.B or A64Op.Bl or A64Op.Br or A64Op.Blr or A64Op.Ret);

    /// <summary>Whether the op ends straight-line execution (a branch of any kind).</summary>
    public static bool IsBranch(A64Op op) => op >= A64Op.B;

    private static Dictionary<nint, A64Op> Build() => new()
    {
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&SystemInstructions.Nop] = A64Op.Nop,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Arithmetic.AddImmediate] = A64Op.AddImm,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Arithmetic.SubImmediate] = A64Op.SubImm,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Arithmetic.AddsImmediate] = A64Op.AddsImm,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Arithmetic.SubsImmediate] = A64Op.SubsImm,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Arithmetic.AddShifted] = A64Op.AddSh,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Arithmetic.SubShifted] = A64Op.SubSh,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Arithmetic.AddsShifted] = A64Op.AddsSh,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Arithmetic.SubsShifted] = A64Op.SubsSh,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Arithmetic.AddExtended] = A64Op.AddExt,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Arithmetic.SubExtended] = A64Op.SubExt,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Arithmetic.AddsExtended] = A64Op.AddsExt,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Arithmetic.SubsExtended] = A64Op.SubsExt,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Arithmetic.AddSubCarry] = A64Op.AddSubCarry,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Arithmetic.ConditionalCompare] = A64Op.CondCompare,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Arithmetic.ConditionalSelect] = A64Op.CondSelect,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Logic.AndImmediate] = A64Op.AndImm,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Logic.OrrImmediate] = A64Op.OrrImm,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Logic.EorImmediate] = A64Op.EorImm,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Logic.AndsImmediate] = A64Op.AndsImm,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Logic.AndShifted] = A64Op.AndSh,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Logic.OrrShifted] = A64Op.OrrSh,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Logic.EorShifted] = A64Op.EorSh,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Logic.AndsShifted] = A64Op.AndsSh,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Logic.Movz] = A64Op.Movz,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Logic.Movn] = A64Op.Movn,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Logic.Movk] = A64Op.Movk,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Branches.Adr] = A64Op.Adr,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Branches.Adrp] = A64Op.Adrp,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Bitfield.Sbfm] = A64Op.Sbfm,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Bitfield.Bfm] = A64Op.Bfm,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Bitfield.Ubfm] = A64Op.Ubfm,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Bitfield.Extr] = A64Op.Extr,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Bitfield.ShiftVariable] = A64Op.ShiftV,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Bitfield.Rbit] = A64Op.Rbit,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Bitfield.Rev16] = A64Op.Rev16,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Bitfield.Rev32] = A64Op.Rev32,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Bitfield.Rev] = A64Op.Rev,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Bitfield.Clz] = A64Op.Clz,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Bitfield.Cls] = A64Op.Cls,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Multiply.MultiplyAdd] = A64Op.Madd,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Multiply.SignedMultiplyAddLong] = A64Op.Smaddl,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Multiply.UnsignedMultiplyAddLong] = A64Op.Umaddl,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Multiply.Smulh] = A64Op.Smulh,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Multiply.Umulh] = A64Op.Umulh,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Multiply.Udiv] = A64Op.Udiv,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Multiply.Sdiv] = A64Op.Sdiv,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&LoadStore.LoadOffset] = A64Op.LoadOffset,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&LoadStore.StoreOffset] = A64Op.StoreOffset,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&LoadStore.LoadPre] = A64Op.LoadPre,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&LoadStore.LoadPost] = A64Op.LoadPost,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&LoadStore.StorePre] = A64Op.StorePre,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&LoadStore.StorePost] = A64Op.StorePost,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&LoadStore.LoadRegister] = A64Op.LoadRegister,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&LoadStore.StoreRegister] = A64Op.StoreRegister,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&LoadStore.LoadLiteral] = A64Op.LoadLiteral,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&LoadStore.LoadPair] = A64Op.LoadPair,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&LoadStore.LoadPairPre] = A64Op.LoadPairPre,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&LoadStore.LoadPairPost] = A64Op.LoadPairPost,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&LoadStore.StorePair] = A64Op.StorePair,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&LoadStore.StorePairPre] = A64Op.StorePairPre,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&LoadStore.StorePairPost] = A64Op.StorePairPost,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&SystemInstructions.Mrs] = A64Op.Mrs,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&SystemInstructions.DcZva] = A64Op.Helper,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&SystemInstructions.CacheMaintenance] = A64Op.Helper,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&SystemInstructions.Clrex] = A64Op.Helper,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&SystemInstructions.MsrImmediate] = A64Op.Helper,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&SystemInstructions.Msr] = A64Op.Helper,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&LoadStore.LoadExclusive] = A64Op.Helper,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&LoadStore.StoreExclusive] = A64Op.Helper,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&LoadStore.LoadExclusivePair] = A64Op.Helper,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&LoadStore.StoreExclusivePair] = A64Op.Helper,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Branches.Branch] = A64Op.B,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Branches.BranchLink] = A64Op.Bl,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Branches.BranchConditional] = A64Op.BCond,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Branches.Cbz] = A64Op.Cbz,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Branches.Cbnz] = A64Op.Cbnz,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Branches.Tbz] = A64Op.Tbz,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Branches.Tbnz] = A64Op.Tbnz,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Branches.BranchRegister] = A64Op.Br,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Branches.BranchLinkRegister] = A64Op.Blr,
        [(nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&Branches.Return] = A64Op.Ret,
    };
}
