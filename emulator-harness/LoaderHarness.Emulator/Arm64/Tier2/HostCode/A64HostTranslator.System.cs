using Iced.Intel;
using LoaderHarness.Emulator.Core.HostCode;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Emulator.Arm64.Tier2.HostCode;

/// <summary>
/// The system instructions the kernel's hot paths are full of, where the interpreter's handler only reads or writes
/// state host code can reach: MRS of a register read as stored (SP_EL0 for <c>current</c>, TPIDR_EL1 for per-CPU data),
/// the exclusives of its atomics (LDXR, LDAXR, STXR, STLXR, with the monitor in the state block) and DC ZVA
/// (<c>clear_page</c>). Each ended a block before, and the interpreter ran on to the next block's head.
/// </summary>
internal sealed unsafe partial class A64HostTranslator
{
    private static readonly nint LoadExclusiveHandler = (nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&LoadStore.LoadExclusive;
    private static readonly nint StoreExclusiveHandler = (nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&LoadStore.StoreExclusive;
    private static readonly nint DcZvaHandler = (nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&SystemInstructions.DcZva;

    /// <summary>Whether an MRS or a helper-called instruction has a host form (<see cref="Covers"/>).</summary>
    private static bool SystemCovered(A64Op op, in A64Instruction d) => op switch
    {
        // ReadSystemRegister's default (the stored value), read-as-zero, and SP_EL0.
        A64Op.Mrs => SystemRegisterTable.All[(int)d.Imm].Kind is SystemRegisterKind.Plain or SystemRegisterKind.Translation
            or SystemRegisterKind.ReadOnly or SystemRegisterKind.TimerCompare or SystemRegisterKind.ReadAsZero or SystemRegisterKind.SpEl0
            or SystemRegisterKind.Counter or SystemRegisterKind.VirtualCounter,
        A64Op.Helper => (nint)d.Handler == LoadExclusiveHandler || (nint)d.Handler == StoreExclusiveHandler || (nint)d.Handler == DcZvaHandler,
        _ => true,
    };

    /// <summary>MRS (<c>Imm</c> = the register's slot): as <see cref="Arm64Cpu.ReadSystemRegister(int)"/> reads the covered kinds.</summary>
    private void EmitMrs(in A64Node n)
    {
        ref readonly var d = ref n.D;
        var slot = (int)d.Imm;
        switch (SystemRegisterTable.All[slot].Kind)
        {
            case SystemRegisterKind.ReadAsZero:
                StoreConstant(d.Rd, 0);
                return;
            case SystemRegisterKind.Counter or SystemRegisterKind.VirtualCounter:
                // The count retired before this instruction plus the state block's offset (Arm64Cpu.Counter), less
                // CNTVOFF_EL2 for the virtual count, as x86's RDTSC reads its TSC.
                Clobber();
                _a.mov(rax, __qword_ptr[r12 + HostState.CounterOffset * 8]);
                _a.lea(rax, __[rax + r14 - Behind(in n)]);
                if (SystemRegisterTable.All[slot].Kind == SystemRegisterKind.VirtualCounter)
                {
                    _a.mov(rcx, (long)_cpu.SystemRegisterAddress(SystemRegisterTable.Slot("CNTVOFF_EL2")));
                    _a.sub(rax, __qword_ptr[rcx]);
                }
                Store(d.Rd, rax);
                return;
            case SystemRegisterKind.SpEl0:
                {
                    // GetStackPointer(0): SP itself while SP_EL0 is the live stack pointer, else its bank.
                    Clobber();
                    var banked = _a.CreateLabel();
                    var done = _a.CreateLabel();
                    _a.cmp(__qword_ptr[r12 + HostState.LiveSp * 8], 0);
                    _a.jne(banked);
                    Load(rax, Arm64Cpu.Sp);
                    _a.jmp(done);
                    _a.Label(ref banked);
                    _a.mov(rax, (long)_cpu.BankedSpEl0);
                    _a.mov(rax, __qword_ptr[rax]);
                    _a.Label(ref done);
                    Store(d.Rd, rax);
                    return;
                }
            default:
                _a.mov(rax, (long)_cpu.SystemRegisterAddress(slot));
                _a.mov(rax, __qword_ptr[rax]);
                Store(d.Rd, rax);
                return;
        }
    }

    private void EmitHelper(in A64Node n)
    {
        ref readonly var d = ref n.D;
        Clobber(); // the probe changes RFLAGS, and a miss leaves with the flags saved
        Load(rdi, d.Rn);
        var miss = ExitLabel(n.Pc, Behind(in n));
        var size = (int)d.Size;
        if ((nint)d.Handler == LoadExclusiveHandler)
        {
            // LoadExclusive: the value, then the monitor on its address and size, then Rt.
            HostTlb.Probe(_exits, false, size, rsi, miss);
            var zeroExtended = d;
            zeroExtended.Op = 0; // LoadExclusive reads Size bytes as they are
            LoadValue(in zeroExtended, 0, r8);
            _a.mov(__qword_ptr[r12 + HostState.MonitorAddress * 8], rdi);
            _a.mov(__qword_ptr[r12 + HostState.MonitorSize * 8], size);
            Store(d.Rd, r8);
            return;
        }
        if ((nint)d.Handler == StoreExclusiveHandler)
        {
            // StoreExclusive: the store only when the monitor holds this address and size; closed either way; Rs = 0 on success.
            var fail = _a.CreateLabel();
            var done = _a.CreateLabel();
            _a.cmp(__qword_ptr[r12 + HostState.MonitorSize * 8], size);
            _a.jne(fail);
            _a.cmp(__qword_ptr[r12 + HostState.MonitorAddress * 8], rdi);
            _a.jne(fail);
            HostTlb.Probe(_exits, true, size, rsi, miss); // a miss leaves before the instruction, the monitor as it was
            Load(r8, d.Rd);
            StoreValue(size, 0, r8);
            _a.xor(eax, eax);
            _a.jmp(done);
            _a.Label(ref fail);
            _a.mov(eax, 1);
            _a.Label(ref done);
            _a.mov(__qword_ptr[r12 + HostState.MonitorSize * 8], 0);
            Store(d.Rm, rax);
            return;
        }
        // DC ZVA: the naturally aligned block of DCZID_EL0.BS words holding the address, zeroed (ZeroBlock).
        var bytes = 4 << (int)(_cpu.Identity.Dczid & 0xF);
        _a.and(rdi, -bytes);
        HostTlb.Probe(_exits, true, bytes, rsi, miss);
        _a.xor(eax, eax);
        for (var offset = 0; offset < bytes; offset += 8)
            _a.mov(__qword_ptr[rsi + offset], rax);
    }
}
