using System.Diagnostics;
using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Fuzz;

/// <summary>The x86 mode an engine target starts the CPU in, the way a VMM sets vCPU state.</summary>
public enum X86FuzzMode
{
    /// <summary>Real mode, CS = DS = SS = 0x1000 (the 16-bit boot protocol's segment).</summary>
    Real,

    /// <summary>32-bit protected mode with flat segments (boot.rst's 32-bit protocol).</summary>
    Protected,

    /// <summary>64-bit long mode, identity-mapped by 2 MiB pages (boot.rst's 64-bit protocol).</summary>
    Long,
}

/// <summary>
/// Hostile guest code on the x86 engine. Input: one knob byte (bit 0: every IDT or IVT vector points into
/// the code; bit 1: paging on in protected mode (4 MiB pages); bit 2: the compiling tier on at a threshold of 2, under
/// its default compile budget (a run this short never pays for a block, see TierPolicy.DefaultCompileBudget, so the
/// tier's heat counting and chain exits run, not the translator, whose JIT costs 0.1-0.3 s a block);
/// bit 3: RFLAGS.IF set; bit 4: the long budget, <see cref="Budget"/>, instead of <see cref="ShortBudget"/>, see
/// <see cref="BudgetFor"/>; bit 5: the RAM outside the code all zero, as before the HLT fill, instead of HLT), then the
/// code bytes at <see cref="CodeBase"/>. The contract: a typed stop reason (never <see cref="StopReason.InternalError"/>,
/// never an exception), no more instructions retired than the budget, and the run over within a second.
/// </summary>
public static class X86EngineTarget
{
    /// <summary>The long budget (knob bit 4): small enough that a run is milliseconds, large enough for loops.</summary>
    public const ulong Budget = 10_000;

    /// <summary>
    /// The budget without knob bit 4. Under AFL++ the instrumented interpreter retires about a million instructions a
    /// second, so 10,000-instruction runs (mostly fault loops and runs through zeroed memory) held every engine target
    /// under a hundred executions a second; a budget still counts each REP iteration and exception delivery either way.
    /// </summary>
    public const ulong ShortBudget = 1_000;

    /// <summary>Where the code goes (linear = physical).</summary>
    public const ulong CodeBase = 0x1_0000;

    private const ulong GdtBase = 0x800, IdtBase = 0x1000, PageTables = 0x2000, StackTop = 0x8_0000;
    private const ushort Code64 = 0x08, Code32 = 0x10, Data = 0x18;
    private const ulong RamSize = 4 << 20;
    private const byte Hlt = 0xF4; // HLT (Intel SDM Vol. 2A, HLT: opcode F4)

    /// <summary>
    /// Runs one input in <paramref name="mode"/> and says how the run ended (the default for an input too short to
    /// run); throws <see cref="FuzzContractException"/> on a broken contract.
    /// </summary>
    public static RunResult Run(X86FuzzMode mode, ReadOnlySpan<byte> input)
    {
        if (input.Length < 2)
            return default;
        var knobs = input[0];
        var code = input[1..];
        if (code.Length > 0x4_0000)
            code = code[..0x4_0000];
        // The RAM outlives the input (a fresh 4 MiB mapping and its page faults cost more than most runs); every
        // page the input wrote holds the fill again before the next one. The fill is HLT: code that runs off its end
        // or jumps into the void stops at once (at CPL 0, as the targets start) instead of decoding up to the whole
        // budget of zero bytes as ADD [RAX],AL, about 1 µs per cold instruction, which was two thirds of x86-long's
        // time. A paging entry the target does not write stays not present (P, bit 0, is clear: SDM Vol. 3A §4.5),
        // an IDT entry it does not write is no gate (S, bit 44, is set: SDM Vol. 3A §6.11, #GP where zeros gave #NP),
        // and a real-mode vector it does not write, F4F4:F4F4, lands on HLT inside the RAM. Knob bit 5 keeps the
        // zero RAM the committed findings (fuzz/regressions) were found in: their runs went on through the zeros.
        var ram = (knobs & 0x20) != 0 ? _zeroRam ??= new([new GuestRegion(0, RamSize)], 0) : _ram ??= new([new GuestRegion(0, RamSize)], Hlt);
        try
        {
            var memory = ram.Memory;
            memory.Write(CodeBase, code);
            var cpu = new X86Cpu(memory);
            if ((knobs & 4) != 0)
            {
                cpu.Engine = EngineTier.Tiered;
                cpu.CompileThreshold = 2;
            }
            Enter(cpu, memory, mode, (knobs & 1) != 0, (knobs & 2) != 0, (ulong)code.Length);
            if ((knobs & 8) != 0)
                cpu.Rflags |= 1UL << 9;
            var watch = Stopwatch.StartNew();
            var budget = BudgetFor(knobs);
            var result = cpu.Run(budget);
            if (cpu.Engine == EngineTier.Tiered && Environment.GetEnvironmentVariable("FUZZ_TRACE") is not null)
                Console.Error.WriteLine(cpu.Tiering);
            FuzzContractException.Check(result, budget, watch.Elapsed);
            return result;
        }
        finally
        {
            ram.Reset();
        }
    }

    /// <summary>
    /// The budget <paramref name="knobs"/> ask for: <see cref="Budget"/> with bit 4, else <see cref="ShortBudget"/>. With
    /// the vectors in the code (bit 0) most mutated code is a fault loop, every delivery a .NET exception (5-10 µs,
    /// against about 1 µs for a cold instruction), and those 10,000-delivery runs were 84 % of x86-real's time and nine
    /// tenths of x86-long's, for nothing new after the first few deliveries: there the long budget also takes bit 6
    /// set and bit 7 clear, so AFL++'s favourite knob byte, 0xFF, runs the short one.
    /// </summary>
    public static ulong BudgetFor(byte knobs)
    {
        const int Long = 0x10, LongWithVectorsInCode = 0xD0, LongWithVectorsInCodeSet = 0x50;
        return (knobs & 1) == 0
            ? (knobs & Long) != 0 ? Budget : ShortBudget
            : (knobs & LongWithVectorsInCode) == LongWithVectorsInCodeSet ? Budget : ShortBudget;
    }

    [ThreadStatic]
    private static TrackedGuestMemory? _ram, _zeroRam;

    private static void Enter(X86Cpu cpu, GuestMemory memory, X86FuzzMode mode, bool idtIntoCode, bool paging, ulong codeLength)
    {
        // Vectors into the code: vector n at CodeBase + 16 n, wrapped into the code's length.
        var span = Math.Max(codeLength, 1);
        ulong Handler(int vector) => CodeBase + ((ulong)vector * 16 % span);
        if (mode == X86FuzzMode.Real)
        {
            foreach (var s in new[] { SegmentRegister.Ds, SegmentRegister.Es, SegmentRegister.Ss, SegmentRegister.Fs, SegmentRegister.Gs })
                cpu.SetSegment(s, Segment.RealMode(0x1000));
            cpu.SetSegment(SegmentRegister.Cs, Segment.RealMode(0x1000) with { Attributes = 0x9B });
            cpu.Rip = 0;
            cpu[Register.SP] = 0xFFF0;
            if (idtIntoCode)
            {
                // The real-mode IVT at 0: segment 0x1000, offset of the handler (Intel SDM Vol. 3A §20.1.4).
                for (var v = 0; v < 256; v++)
                    memory.WriteU32((ulong)v * 4, (uint)((Handler(v) - CodeBase) | (0x1000UL << 16)));
            }
            return;
        }
        // GDT: 0x08 64-bit code, 0x10 32-bit code, 0x18 flat data (boot.rst's __BOOT_CS/__BOOT_DS layout).
        ulong[] gdt = [0, 0x00AF_9B00_0000_FFFF, 0x00CF_9B00_0000_FFFF, 0x00CF_9300_0000_FFFF];
        for (var i = 0; i < gdt.Length; i++)
            memory.WriteU64(GdtBase + (ulong)i * 8, gdt[i]);
        cpu.Gdtr = new DescriptorTableRegister(GdtBase, (ushort)(gdt.Length * 8 - 1));
        if (mode == X86FuzzMode.Protected)
        {
            cpu.Cr0 = ControlBits.Cr0Pe | ControlBits.Cr0Et;
            if (paging)
            {
                // One page directory of 4 MiB pages identity-mapping 4 GiB (SDM Vol. 3A §4.3, CR4.PSE).
                for (ulong i = 0; i < 1024; i++)
                    memory.WriteU32(PageTables + i * 4, (uint)((i << 22) | 0x83));
                cpu.Cr4 = ControlBits.Cr4Pse;
                cpu.Cr3 = PageTables;
                cpu.Cr0 |= ControlBits.Cr0Pg;
            }
            cpu.SetSegment(SegmentRegister.Cs, Segment.Flat(Code32, 0x9B, 0xC));
        }
        else
        {
            // PML4[0] -> PDPT; PDPT[0] -> one PD of 2 MiB pages: the first GiB identity-mapped (SDM Vol. 3A §4.5).
            memory.WriteU64(PageTables, (PageTables + 0x1000) | 3);
            memory.WriteU64(PageTables + 0x1000, (PageTables + 0x2000) | 3);
            for (ulong j = 0; j < 512; j++)
                memory.WriteU64(PageTables + 0x2000 + j * 8, (j << 21) | 0x83);
            cpu.Cr4 = ControlBits.Cr4Pae;
            cpu.Cr3 = PageTables;
            cpu.Efer = ControlBits.EferLme | ControlBits.EferNxe;
            cpu.Cr0 = ControlBits.Cr0Pe | ControlBits.Cr0Pg | ControlBits.Cr0Et;
            cpu.SetSegment(SegmentRegister.Cs, Segment.Flat(Code64, 0x9B, 0xA));
        }
        foreach (var s in new[] { SegmentRegister.Ds, SegmentRegister.Es, SegmentRegister.Ss, SegmentRegister.Fs, SegmentRegister.Gs })
            cpu.SetSegment(s, Segment.Flat(Data, 0x93, 0xC));
        cpu.Rip = CodeBase;
        cpu[Register.RSP] = StackTop;
        if (!idtIntoCode)
            return;
        for (var v = 0; v < 256; v++)
        {
            var h = Handler(v);
            if (mode == X86FuzzMode.Protected)
            {
                // 32-bit interrupt gate (SDM Vol. 3A Figure 6-2).
                memory.WriteU64(IdtBase + (ulong)v * 8, (h & 0xFFFF) | ((ulong)Code32 << 16) | (0x8EUL << 40) | ((h >> 16) << 48));
            }
            else
            {
                // 64-bit interrupt gate (SDM Vol. 3A Figure 6-8).
                memory.WriteU64(IdtBase + (ulong)v * 16, (h & 0xFFFF) | ((ulong)Code64 << 16) | (0x8EUL << 40) | (((h >> 16) & 0xFFFF) << 48));
                memory.WriteU64(IdtBase + (ulong)v * 16 + 8, h >> 32);
            }
        }
        cpu.Idtr = new DescriptorTableRegister(IdtBase, (ushort)(mode == X86FuzzMode.Protected ? 256 * 8 - 1 : 256 * 16 - 1));
    }
}
