using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>RDRAND / RDSEED: absent until enabled, then a seeded, reproducible SplitMix64 stream advertised by CPUID.</summary>
[TestFixture]
public sealed class RandomTests
{
    private static TestMachine Start(Action<Assembler> build)
    {
        var m = new TestMachine();
        m.Load(64, TestMachine.CodeBase, build);
        m.EnterLong64(TestMachine.CodeBase);
        return m;
    }

    [Test]
    public void Seeded_draws_follow_splitmix64()
    {
        using var m = Start(a =>
        {
            a.rdrand(rax);
            a.setc(r8b);
            a.rdseed(ebx);
            a.rdrand(cx);
            a.hlt();
        });
        m.Cpu.EnableRandom(1234567);

        m.Run().Reason.ShouldBe(StopReason.Halt);

        // SplitMix64's published outputs for seed 1234567 (Rosetta Code "Pseudo-random numbers/Splitmix64").
        m.Cpu[Register.RAX].ShouldBe(6457827717110365317UL);
        m.Cpu[Register.R8].ShouldBe(1UL, "CF = 1: a valid random value");
        m.Cpu[Register.RBX].ShouldBe(3203168211198807973UL & 0xFFFF_FFFF); // 32-bit destination, zero-extended
        m.Cpu[Register.RCX].ShouldBe(9817491932198370423UL & 0xFFFF);
    }

    [Test]
    public void Enabling_advertises_both_in_cpuid()
    {
        using var m = new TestMachine();
        // SDM Vol. 2A CPUID: RDRAND is leaf 1 ECX bit 30, RDSEED leaf 7 subleaf 0 EBX bit 18.
        (m.Cpu.CpuId.Query(1, 0).Ecx & (1u << 30)).ShouldBe(0u);
        (m.Cpu.CpuId.Query(7, 0).Ebx & (1u << 18)).ShouldBe(0u);

        m.Cpu.EnableRandom(0);

        (m.Cpu.CpuId.Query(1, 0).Ecx & (1u << 30)).ShouldNotBe(0u);
        (m.Cpu.CpuId.Query(7, 0).Ebx & (1u << 18)).ShouldNotBe(0u);
    }

    [Test]
    public void Without_random_rdrand_is_undefined()
    {
        using var m = Start(a =>
        {
            a.rdrand(rax);
            a.hlt();
        });

        // No IDT: the #UD escalates to a triple fault that names it.
        var result = m.Run();

        result.Reason.ShouldBe(StopReason.TripleFault);
        result.Detail.ShouldNotBeNull().ShouldContain("first fault #UD");
    }
}
