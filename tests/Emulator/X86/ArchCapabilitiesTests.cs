using Iced.Intel;
using LoaderHarness.Emulator.Core;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>
/// IA32_ARCH_CAPABILITIES as a guest finds it: announced by CPUID.(EAX=7,ECX=0):EDX[29] and read with RDMSR 0x10A,
/// with the "not affected" bits Linux's cpu_set_bug_bits (arch/x86/kernel/cpu/common.c) checks before it turns on page
/// table isolation, buffer clearing and the ITS return thunks.
/// </summary>
[TestFixture]
public class ArchCapabilitiesTests
{
    [Test]
    public void A_guest_finds_the_msr_announced_and_reads_its_not_affected_bits()
    {
        using var m = new TestMachine();
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(eax, 7);
            a.xor(ecx, ecx);
            a.cpuid();
            a.mov(r8d, edx);
            a.mov(ecx, 0x10A); // MSR_IA32_ARCH_CAPABILITIES (arch/x86/include/asm/msr-index.h)
            a.rdmsr();
            a.shl(rdx, 32);
            a.or(rax, rdx);
            a.hlt();
        });
        m.EnterLong64(TestMachine.CodeBase);

        m.Run().Reason.ShouldBe(StopReason.Halt);

        (m.Cpu[Register.R8] & (1UL << 29)).ShouldNotBe(0UL, "X86_FEATURE_ARCH_CAPABILITIES, CPUID 7 EDX[29]");
        var caps = m.Cpu[Register.RAX];
        // msr-index.h: ARCH_CAP_RDCL_NO BIT(0) (no Meltdown: no PTI), ARCH_CAP_MDS_NO BIT(5), ARCH_CAP_TAA_NO BIT(8),
        // ARCH_CAP_ITS_NO BIT_ULL(62).
        foreach (var bit in new[] { 0, 5, 8, 62 })
            (caps & (1UL << bit)).ShouldNotBe(0UL, $"bit {bit}");
        // ARCH_CAP_IBRS_ALL BIT(1) would have Linux write IA32_SPEC_CTRL, and ARCH_CAP_TSX_CTRL_MSR BIT(7) TSX_CTRL: neither exists here.
        (caps & ((1UL << 1) | (1UL << 7))).ShouldBe(0UL);
    }
}
