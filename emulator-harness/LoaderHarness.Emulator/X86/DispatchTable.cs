using Iced.Intel;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// Maps every Iced <see cref="Code"/> to its handler, built once: by <see cref="Mnemonic"/> for whole
/// families, then per-Code overrides where one mnemonic hides different operations (MOV to CRn/DRn/Sreg,
/// string MOVSD vs SSE MOVSD). Anything left unmapped stops the run as unimplemented.
/// </summary>
internal static unsafe class DispatchTable
{
    /// <summary>
    /// Room for every Iced <see cref="Mnemonic"/> and <see cref="Code"/> value. Fixed sizes rather than
    /// <c>Enum.GetValues</c>, which under NativeAOT decodes every name of the 4,900-value Code enum from reflection
    /// metadata on each start (about 2 % of a short run); a test checks that Iced's enums fit.
    /// </summary>
    internal const int MnemonicCapacity = 4096, CodeCapacity = 8192;

    private static readonly delegate*<X86Cpu, ref DecodedInstruction, void>[] Mnemonics = new delegate*<X86Cpu, ref DecodedInstruction, void>[MnemonicCapacity];

    /// <summary>Handlers by mnemonic for legacy-encoded instructions only (<see cref="Fpu"/>: x87 control and the SSE moves, not their VEX/EVEX forms).</summary>
    private static readonly delegate*<X86Cpu, ref DecodedInstruction, void>[] LegacyMnemonics = new delegate*<X86Cpu, ref DecodedInstruction, void>[MnemonicCapacity];

    /// <summary>Per-<see cref="Code"/> handlers where one mnemonic hides different operations (null: the mnemonic's handler).</summary>
    private static readonly delegate*<X86Cpu, ref DecodedInstruction, void>[] Codes = Build(Mnemonics);

    /// <summary>The handler for a decoded instruction: a specialised operand form when there is one (<see cref="OperandForms"/>), else the table's.</summary>
    public static delegate*<X86Cpu, ref DecodedInstruction, void> Select(ref DecodedInstruction d, int bitness)
    {
        var special = OperandForms.Select(ref d, bitness);
        if (special != null)
            return special;
        var byCode = Codes[(int)d.I.Code];
        if (byCode != null)
            return byCode;
        var legacy = d.I.Encoding == EncodingKind.Legacy ? LegacyMnemonics[(int)d.I.Mnemonic] : null;
        if (legacy != null)
            return legacy;
        var byMnemonic = Mnemonics[(int)d.I.Mnemonic];
        return byMnemonic != null ? byMnemonic : &Unimplemented;
    }

    private static delegate*<X86Cpu, ref DecodedInstruction, void>[] Build(delegate*<X86Cpu, ref DecodedInstruction, void>[] mnemonics)
    {

        mnemonics[(int)Mnemonic.Add] = &Arithmetic.Add;
        mnemonics[(int)Mnemonic.Adc] = &Arithmetic.Adc;
        mnemonics[(int)Mnemonic.Sub] = &Arithmetic.Sub;
        mnemonics[(int)Mnemonic.Sbb] = &Arithmetic.Sbb;
        mnemonics[(int)Mnemonic.Cmp] = &Arithmetic.Cmp;
        mnemonics[(int)Mnemonic.Inc] = &Arithmetic.Inc;
        mnemonics[(int)Mnemonic.Dec] = &Arithmetic.Dec;
        mnemonics[(int)Mnemonic.Neg] = &Arithmetic.Neg;
        mnemonics[(int)Mnemonic.Mul] = &Arithmetic.Mul;
        mnemonics[(int)Mnemonic.Imul] = &Arithmetic.Imul;
        mnemonics[(int)Mnemonic.Div] = &Arithmetic.Div;
        mnemonics[(int)Mnemonic.Idiv] = &Arithmetic.Idiv;
        mnemonics[(int)Mnemonic.Xadd] = &Arithmetic.Xadd;
        mnemonics[(int)Mnemonic.Cmpxchg] = &Arithmetic.Cmpxchg;
        mnemonics[(int)Mnemonic.Cmpxchg8b] = &Arithmetic.Cmpxchg8b;
        mnemonics[(int)Mnemonic.Cmpxchg16b] = &Arithmetic.Cmpxchg8b;
        mnemonics[(int)Mnemonic.Daa] = &DecimalArithmetic.Daa;
        mnemonics[(int)Mnemonic.Das] = &DecimalArithmetic.Das;
        mnemonics[(int)Mnemonic.Aaa] = &DecimalArithmetic.Aaa;
        mnemonics[(int)Mnemonic.Aas] = &DecimalArithmetic.Aas;
        mnemonics[(int)Mnemonic.Aam] = &DecimalArithmetic.Aam;
        mnemonics[(int)Mnemonic.Aad] = &DecimalArithmetic.Aad;

        mnemonics[(int)Mnemonic.And] = &Logic.And;
        mnemonics[(int)Mnemonic.Or] = &Logic.Or;
        mnemonics[(int)Mnemonic.Xor] = &Logic.Xor;
        mnemonics[(int)Mnemonic.Test] = &Logic.Test;
        mnemonics[(int)Mnemonic.Not] = &Logic.Not;
        foreach (var m in new[] { Mnemonic.Bt, Mnemonic.Bts, Mnemonic.Btr, Mnemonic.Btc })
            mnemonics[(int)m] = &Logic.BitTest;
        mnemonics[(int)Mnemonic.Bsf] = &Logic.Bsf;
        mnemonics[(int)Mnemonic.Bsr] = &Logic.Bsr;
        mnemonics[(int)Mnemonic.Tzcnt] = &Logic.Tzcnt;
        mnemonics[(int)Mnemonic.Lzcnt] = &Logic.Lzcnt;
        mnemonics[(int)Mnemonic.Popcnt] = &Logic.Popcnt;
        foreach (var m in new[] { Mnemonic.Seto, Mnemonic.Setno, Mnemonic.Setb, Mnemonic.Setae, Mnemonic.Sete, Mnemonic.Setne,
                     Mnemonic.Setbe, Mnemonic.Seta, Mnemonic.Sets, Mnemonic.Setns, Mnemonic.Setp, Mnemonic.Setnp,
                     Mnemonic.Setl, Mnemonic.Setge, Mnemonic.Setle, Mnemonic.Setg })
            mnemonics[(int)m] = &Logic.Setcc;
        mnemonics[(int)Mnemonic.Clc] = &Logic.Clc;
        mnemonics[(int)Mnemonic.Stc] = &Logic.Stc;
        mnemonics[(int)Mnemonic.Cmc] = &Logic.Cmc;
        mnemonics[(int)Mnemonic.Cld] = &Logic.Cld;
        mnemonics[(int)Mnemonic.Std] = &Logic.Std;

        mnemonics[(int)Mnemonic.Shl] = &Shifts.Shl;
        mnemonics[(int)Mnemonic.Sal] = &Shifts.Shl;
        mnemonics[(int)Mnemonic.Shr] = &Shifts.Shr;
        mnemonics[(int)Mnemonic.Sar] = &Shifts.Sar;
        mnemonics[(int)Mnemonic.Rol] = &Shifts.Rol;
        mnemonics[(int)Mnemonic.Ror] = &Shifts.Ror;
        mnemonics[(int)Mnemonic.Rcl] = &Shifts.Rcl;
        mnemonics[(int)Mnemonic.Rcr] = &Shifts.Rcr;
        mnemonics[(int)Mnemonic.Shld] = &Shifts.Shld;
        mnemonics[(int)Mnemonic.Shrd] = &Shifts.Shrd;

        mnemonics[(int)Mnemonic.Mov] = &DataMovement.Mov;
        mnemonics[(int)Mnemonic.Movnti] = &DataMovement.Mov;
        mnemonics[(int)Mnemonic.Movzx] = &DataMovement.Movzx;
        mnemonics[(int)Mnemonic.Movsx] = &DataMovement.Movsx;
        mnemonics[(int)Mnemonic.Movsxd] = &DataMovement.Movsx;
        mnemonics[(int)Mnemonic.Lea] = &DataMovement.Lea;
        mnemonics[(int)Mnemonic.Xchg] = &DataMovement.Xchg;
        mnemonics[(int)Mnemonic.Push] = &DataMovement.Push;
        mnemonics[(int)Mnemonic.Pop] = &DataMovement.Pop;
        mnemonics[(int)Mnemonic.Pusha] = &DataMovement.Pusha;
        mnemonics[(int)Mnemonic.Pushad] = &DataMovement.Pusha;
        mnemonics[(int)Mnemonic.Popa] = &DataMovement.Popa;
        mnemonics[(int)Mnemonic.Popad] = &DataMovement.Popa;
        mnemonics[(int)Mnemonic.Pushf] = &DataMovement.Pushf;
        mnemonics[(int)Mnemonic.Pushfd] = &DataMovement.Pushf;
        mnemonics[(int)Mnemonic.Pushfq] = &DataMovement.Pushf;
        mnemonics[(int)Mnemonic.Popf] = &DataMovement.Popf;
        mnemonics[(int)Mnemonic.Popfd] = &DataMovement.Popf;
        mnemonics[(int)Mnemonic.Popfq] = &DataMovement.Popf;
        foreach (var m in new[] { Mnemonic.Cbw, Mnemonic.Cwde, Mnemonic.Cdqe, Mnemonic.Cwd, Mnemonic.Cdq, Mnemonic.Cqo })
            mnemonics[(int)m] = &DataMovement.ConvertAccumulator;
        mnemonics[(int)Mnemonic.Bswap] = &DataMovement.Bswap;
        foreach (var m in new[] { Mnemonic.Cmovo, Mnemonic.Cmovno, Mnemonic.Cmovb, Mnemonic.Cmovae, Mnemonic.Cmove, Mnemonic.Cmovne,
                     Mnemonic.Cmovbe, Mnemonic.Cmova, Mnemonic.Cmovs, Mnemonic.Cmovns, Mnemonic.Cmovp, Mnemonic.Cmovnp,
                     Mnemonic.Cmovl, Mnemonic.Cmovge, Mnemonic.Cmovle, Mnemonic.Cmovg })
            mnemonics[(int)m] = &DataMovement.Cmovcc;
        mnemonics[(int)Mnemonic.Lahf] = &DataMovement.Lahf;
        mnemonics[(int)Mnemonic.Sahf] = &DataMovement.Sahf;
        mnemonics[(int)Mnemonic.Xlatb] = &DataMovement.Xlat;
        foreach (var m in new[] { Mnemonic.Lds, Mnemonic.Les, Mnemonic.Lss, Mnemonic.Lfs, Mnemonic.Lgs })
            mnemonics[(int)m] = &DataMovement.LoadFarPointer;
        mnemonics[(int)Mnemonic.Movbe] = &DataMovement.Movbe;
        foreach (var m in new[] { Mnemonic.Nop, Mnemonic.Pause, Mnemonic.Lfence, Mnemonic.Mfence, Mnemonic.Sfence,
                     Mnemonic.Prefetchnta, Mnemonic.Prefetcht0, Mnemonic.Prefetcht1, Mnemonic.Prefetcht2, Mnemonic.Prefetchw,
                     Mnemonic.Clflush, Mnemonic.Clflushopt, Mnemonic.Clwb, Mnemonic.Endbr32, Mnemonic.Endbr64, Mnemonic.Wait,
                     Mnemonic.Serialize })
            mnemonics[(int)m] = &DataMovement.Nop;

        mnemonics[(int)Mnemonic.Jmp] = &ControlFlow.Jmp;
        foreach (var m in new[] { Mnemonic.Jo, Mnemonic.Jno, Mnemonic.Jb, Mnemonic.Jae, Mnemonic.Je, Mnemonic.Jne,
                     Mnemonic.Jbe, Mnemonic.Ja, Mnemonic.Js, Mnemonic.Jns, Mnemonic.Jp, Mnemonic.Jnp,
                     Mnemonic.Jl, Mnemonic.Jge, Mnemonic.Jle, Mnemonic.Jg })
            mnemonics[(int)m] = &ControlFlow.Jcc;
        mnemonics[(int)Mnemonic.Jcxz] = &ControlFlow.Jrcxz;
        mnemonics[(int)Mnemonic.Jecxz] = &ControlFlow.Jrcxz;
        mnemonics[(int)Mnemonic.Jrcxz] = &ControlFlow.Jrcxz;
        mnemonics[(int)Mnemonic.Loop] = &ControlFlow.Loop;
        mnemonics[(int)Mnemonic.Loope] = &ControlFlow.Loop;
        mnemonics[(int)Mnemonic.Loopne] = &ControlFlow.Loop;
        mnemonics[(int)Mnemonic.Call] = &ControlFlow.Call;
        mnemonics[(int)Mnemonic.Ret] = &ControlFlow.Ret;
        mnemonics[(int)Mnemonic.Retf] = &ControlFlow.Retf;
        mnemonics[(int)Mnemonic.Iret] = &ControlFlow.Iret;
        mnemonics[(int)Mnemonic.Iretd] = &ControlFlow.Iret;
        mnemonics[(int)Mnemonic.Iretq] = &ControlFlow.Iret;
        mnemonics[(int)Mnemonic.Int] = &ControlFlow.Int;
        mnemonics[(int)Mnemonic.Int3] = &ControlFlow.Int3;
        mnemonics[(int)Mnemonic.Int1] = &ControlFlow.Int1;
        mnemonics[(int)Mnemonic.Into] = &ControlFlow.Into;
        mnemonics[(int)Mnemonic.Ud0] = &ControlFlow.Ud;
        mnemonics[(int)Mnemonic.Ud1] = &ControlFlow.Ud;
        mnemonics[(int)Mnemonic.Ud2] = &ControlFlow.Ud;
        mnemonics[(int)Mnemonic.Enter] = &ControlFlow.Enter;
        mnemonics[(int)Mnemonic.Leave] = &ControlFlow.Leave;

        foreach (var m in new[] { Mnemonic.Movsb, Mnemonic.Movsw, Mnemonic.Movsq })
            mnemonics[(int)m] = &Strings.Movs;
        foreach (var m in new[] { Mnemonic.Stosb, Mnemonic.Stosw, Mnemonic.Stosd, Mnemonic.Stosq })
            mnemonics[(int)m] = &Strings.Stos;
        foreach (var m in new[] { Mnemonic.Lodsb, Mnemonic.Lodsw, Mnemonic.Lodsd, Mnemonic.Lodsq })
            mnemonics[(int)m] = &Strings.Lods;
        foreach (var m in new[] { Mnemonic.Cmpsb, Mnemonic.Cmpsw, Mnemonic.Cmpsq })
            mnemonics[(int)m] = &Strings.Cmps;
        foreach (var m in new[] { Mnemonic.Scasb, Mnemonic.Scasw, Mnemonic.Scasd, Mnemonic.Scasq })
            mnemonics[(int)m] = &Strings.Scas;
        foreach (var m in new[] { Mnemonic.Insb, Mnemonic.Insw, Mnemonic.Insd })
            mnemonics[(int)m] = &Strings.Ins;
        foreach (var m in new[] { Mnemonic.Outsb, Mnemonic.Outsw, Mnemonic.Outsd })
            mnemonics[(int)m] = &Strings.Outs;

        mnemonics[(int)Mnemonic.Cli] = &SystemInstructions.Cli;
        mnemonics[(int)Mnemonic.Sti] = &SystemInstructions.Sti;
        mnemonics[(int)Mnemonic.Hlt] = &SystemInstructions.Hlt;
        mnemonics[(int)Mnemonic.Cpuid] = &SystemInstructions.Cpuid;
        mnemonics[(int)Mnemonic.Rdmsr] = &SystemInstructions.Rdmsr;
        mnemonics[(int)Mnemonic.Wrmsr] = &SystemInstructions.Wrmsr;
        mnemonics[(int)Mnemonic.Rdtsc] = &SystemInstructions.Rdtsc;
        mnemonics[(int)Mnemonic.Rdtscp] = &SystemInstructions.Rdtsc;
        mnemonics[(int)Mnemonic.Rdrand] = &SystemInstructions.Rdrand;
        mnemonics[(int)Mnemonic.Rdseed] = &SystemInstructions.Rdrand;
        mnemonics[(int)Mnemonic.Lgdt] = &SystemInstructions.LoadDescriptorTable;
        mnemonics[(int)Mnemonic.Lidt] = &SystemInstructions.LoadDescriptorTable;
        mnemonics[(int)Mnemonic.Sgdt] = &SystemInstructions.StoreDescriptorTable;
        mnemonics[(int)Mnemonic.Sidt] = &SystemInstructions.StoreDescriptorTable;
        mnemonics[(int)Mnemonic.Lldt] = &SystemInstructions.Lldt;
        mnemonics[(int)Mnemonic.Ltr] = &SystemInstructions.Ltr;
        mnemonics[(int)Mnemonic.Lar] = &DescriptorChecks.Lar;
        mnemonics[(int)Mnemonic.Lsl] = &DescriptorChecks.Lsl;
        mnemonics[(int)Mnemonic.Verr] = &DescriptorChecks.Verr;
        mnemonics[(int)Mnemonic.Verw] = &DescriptorChecks.Verw;
        mnemonics[(int)Mnemonic.Sldt] = &SystemInstructions.Sldt;
        mnemonics[(int)Mnemonic.Str] = &SystemInstructions.Str;
        mnemonics[(int)Mnemonic.Smsw] = &SystemInstructions.Smsw;
        mnemonics[(int)Mnemonic.Lmsw] = &SystemInstructions.Lmsw;
        mnemonics[(int)Mnemonic.Clts] = &SystemInstructions.Clts;
        mnemonics[(int)Mnemonic.Invlpg] = &SystemInstructions.Invlpg;
        mnemonics[(int)Mnemonic.Wbinvd] = &SystemInstructions.CacheControl;
        mnemonics[(int)Mnemonic.Invd] = &SystemInstructions.CacheControl;
        mnemonics[(int)Mnemonic.In] = &SystemInstructions.In;
        mnemonics[(int)Mnemonic.Out] = &SystemInstructions.Out;
        mnemonics[(int)Mnemonic.Xgetbv] = &SystemInstructions.Xgetbv;
        mnemonics[(int)Mnemonic.Swapgs] = &SystemInstructions.Swapgs;
        foreach (var m in new[] { Mnemonic.Rdfsbase, Mnemonic.Rdgsbase, Mnemonic.Wrfsbase, Mnemonic.Wrgsbase })
            mnemonics[(int)m] = &SystemInstructions.FsGsBase;
        mnemonics[(int)Mnemonic.Clac] = &SystemInstructions.Clac;
        mnemonics[(int)Mnemonic.Stac] = &SystemInstructions.Clac;

        var table = new delegate*<X86Cpu, ref DecodedInstruction, void>[CodeCapacity];

        // One mnemonic, different operations.
        foreach (var code in new[] { Code.Mov_r32_cr, Code.Mov_r64_cr, Code.Mov_cr_r32, Code.Mov_cr_r64 })
            table[(int)code] = &SystemInstructions.MovCr;
        foreach (var code in new[] { Code.Mov_r32_dr, Code.Mov_r64_dr, Code.Mov_dr_r32, Code.Mov_dr_r64 })
            table[(int)code] = &SystemInstructions.MovDr;
        foreach (var code in new[] { Code.Mov_Sreg_rm16, Code.Mov_Sreg_r32m16, Code.Mov_Sreg_r64m16 })
            table[(int)code] = &DataMovement.MovToSegment;
        foreach (var code in new[] { Code.Mov_rm16_Sreg, Code.Mov_r32m16_Sreg, Code.Mov_r64m16_Sreg })
            table[(int)code] = &DataMovement.MovFromSegment;
        table[(int)Code.Movsd_m32_m32] = &Strings.Movs;
        table[(int)Code.Cmpsd_m32_m32] = &Strings.Cmps;
        table[(int)Code.Syscall] = &SystemCalls.Syscall;
        table[(int)Code.Sysretd] = &SystemCalls.Sysret;
        table[(int)Code.Sysretq] = &SystemCalls.Sysret;
        table[(int)Code.Mov_r32_tr] = &Unimplemented;
        table[(int)Code.Mov_tr_r32] = &Unimplemented;
        table[(int)Code.INVALID] = &ControlFlow.Ud;
        Fpu.Install(LegacyMnemonics);
        return table;
    }

    /// <summary>Stops the run before an instruction the engine does not implement.</summary>
    private static void Unimplemented(X86Cpu c, ref DecodedInstruction d)
        => c.StopBefore(StopReason.Unimplemented, $"unimplemented: {d.I.Mnemonic.ToString().ToLowerInvariant()} at 0x{c.Rip:x} ({d.I})");
}
