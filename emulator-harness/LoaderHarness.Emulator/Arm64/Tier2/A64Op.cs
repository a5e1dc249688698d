namespace LoaderHarness.Emulator.Arm64.Tier2;

/// <summary>What the A64 translator emits for a decoded instruction: one value per interpreter handler it covers.</summary>
internal enum A64Op : byte
{
    /// <summary>Not covered: the block ends before it and the interpreter runs it.</summary>
    None,
    Nop,
    AddImm, SubImm, AddsImm, SubsImm,
    AddSh, SubSh, AddsSh, SubsSh,
    AddExt, SubExt, AddsExt, SubsExt,
    AddSubCarry, CondCompare, CondSelect,
    AndImm, OrrImm, EorImm, AndsImm,
    AndSh, OrrSh, EorSh, AndsSh,
    Movz, Movn, Movk, Adr, Adrp,
    Sbfm, Bfm, Ubfm, Extr, ShiftV,
    Rbit, Rev16, Rev32, Rev, Clz, Cls,
    Madd, Smaddl, Umaddl, Smulh, Umulh, Udiv, Sdiv,
    LoadOffset, StoreOffset, LoadPre, LoadPost, StorePre, StorePost,
    LoadRegister, StoreRegister, LoadLiteral,
    LoadPair, LoadPairPre, LoadPairPost, StorePair, StorePairPre, StorePairPost,

    /// <summary>MRS: the state spilled exact, then the interpreter's own register read (side effects and all).</summary>
    Mrs,

    /// <summary>
    /// An instruction compiled as a call of its interpreter handler, between an exact spill and a reload of the
    /// registers it may write: DC ZVA, the exclusives, CLREX, DC/IC maintenance and MSR of DAIF.
    /// </summary>
    Helper,
    B, Bl, BCond, Cbz, Cbnz, Tbz, Tbnz, Br, Blr, Ret,
}
