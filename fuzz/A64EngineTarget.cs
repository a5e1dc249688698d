using System.Diagnostics;
using LoaderHarness.Emulator.Arm64;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Fuzz;

/// <summary>
/// Hostile guest code on the A64 engine at EL1h. Input: one knob byte (bit 0: VBAR_EL1 at the code, so every
/// exception re-enters it; bit 4: the long budget, as for <see cref="X86EngineTarget"/>), then the code at <see cref="CodeBase"/>. With <c>mmu</c> the stage-1 MMU is on,
/// the RAM identity-mapped by one 1 GiB block. The contract is <see cref="X86EngineTarget"/>'s.
/// </summary>
public static class A64EngineTarget
{
    /// <summary>The long budget (knob bit 4).</summary>
    public const ulong Budget = X86EngineTarget.Budget;

    /// <summary>The budget without knob bit 4.</summary>
    public const ulong ShortBudget = X86EngineTarget.ShortBudget;

    /// <summary>QEMU virt's RAM base (hw/arm/virt.c, VIRT_MEM).</summary>
    public const ulong RamBase = 0x4000_0000;

    /// <summary>Where the code goes.</summary>
    public const ulong CodeBase = RamBase + 0x8_0000;

    private const ulong RamSize = 4 << 20, Tables = RamBase + 0x1000;

    /// <summary>Runs one input; throws <see cref="FuzzContractException"/> on a broken contract.</summary>
    public static void Run(bool mmu, ReadOnlySpan<byte> input)
    {
        if (input.Length < 5)
            return;
        var knobs = input[0];
        var code = input[1..];
        if (code.Length > 0x4_0000)
            code = code[..0x4_0000];
        // The RAM outlives the input, as the x86 targets' does; the pages the input wrote are zero again after it.
        var ram = _ram ??= new([new GuestRegion(RamBase, RamSize)], 0);
        try
        {
            var memory = ram.Memory;
            memory.Write(CodeBase, code);
            var cpu = new Arm64Cpu(memory);
            if ((knobs & 1) != 0)
                cpu.WriteSystemRegister("VBAR_EL1", CodeBase); // vectors at VBAR + 0x000..0x780 (Arm ARM D1.10.2)
            if (mmu)
            {
                // 4 KiB granule, T0SZ = 16 (48-bit VA, walk from level 0): TCR_EL1 (Arm ARM D17.2.131). L0[0] -> L1;
                // L1[1] is a 1 GiB block at 0x4000_0000, AF set, inner shareable, MAIR index 0 (normal write-back).
                memory.WriteU64(Tables, (Tables + 0x1000) | 3);
                memory.WriteU64(Tables + 0x1000 + 8, RamBase | (1UL << 10) | (3UL << 8) | 1);
                cpu.WriteSystemRegister("MAIR_EL1", 0xFF);
                cpu.WriteSystemRegister("TCR_EL1", 16 | (16UL << 16) | (2UL << 30) | (5UL << 32));
                cpu.WriteSystemRegister("TTBR0_EL1", Tables);
                cpu.WriteSystemRegister("SCTLR_EL1", cpu.ReadSystemRegister("SCTLR_EL1") | 1); // M: stage-1 translation on
            }
            cpu.Pc = CodeBase;
            cpu.StackPointer = RamBase + RamSize - 0x100;
            var watch = Stopwatch.StartNew();
            var budget = (knobs & 0x10) != 0 ? Budget : ShortBudget;
            var result = cpu.Run(budget);
            FuzzContractException.Check(result, budget, watch.Elapsed);
        }
        finally
        {
            ram.Reset();
        }
    }

    [ThreadStatic]
    private static TrackedGuestMemory? _ram;
}
