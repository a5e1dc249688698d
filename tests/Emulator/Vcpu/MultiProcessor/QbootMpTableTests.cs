using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.Vcpu.MultiProcessor;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu.MultiProcessor;

/// <summary>
/// The microvm profile's MP table: qboot's (mptable.c setup_mptable) as QEMU 7.2 -M microvm leaves it at 0x9FC00.
/// </summary>
[TestFixture]
public sealed class QbootMpTableTests
{
    /// <summary>
    /// QEMU 7.2 <c>qemu-system-x86_64 -M microvm -accel tcg -m 512M -display none -nodefaults -serial null -kernel vmlinux
    /// -gdb tcp:127.0.0.1:12345 -S</c>, <c>monitor pmemsave</c> at start_kernel: the 232 bytes at 0x9FC00. Its processor
    /// entry carries TCG's qemu64 CPUID leaf 1 (EAX 0x00060FB1, EDX 0x078BFBFD).
    /// </summary>
    private const string Oracle =
        "5f4d505f10fc090001048b000000000050434d50d800043051424f4f5420202030303030303030303030303000000000000000000000e0fe" +
        "0000000000001403b10f0600fdfb8b0700000000000000000100495341202020020214010000c0fe03000000000002020300000000010201" +
        "0300000000030203030000000004020403000000000502050300000000060206030000000007020703000000000802080300000000090209" +
        "03000000000a020a03000000000b020b03000000000c020c03000000000d020d03000000000e020e03000000000f020f0403000000000000" +
        "040100000000ff01";

    [Test]
    public void With_qemus_cpuid_it_is_the_table_qboot_wrote_under_qemu_7_2()
    {
        var mp = VmmProfiles.Microvm.RequireX86().MpTable.ShouldNotBeNull();
        mp.Address.ShouldBe(0x9_FC00UL); // mptable.c MPTABLE_START
        Convert.ToHexString(MpTableWriter.Build(mp, cpuid: (0x0006_0FB1, 0x078B_FBFD))).ShouldBe(Convert.ToHexString(Convert.FromHexString(Oracle)));
    }

    [Test]
    public void The_processor_entry_carries_the_cpus_own_cpuid()
    {
        var mp = VmmProfiles.Microvm.RequireX86().MpTable.ShouldNotBeNull();
        var t = MpTableWriter.Build(mp, cpuid: (0x1234_5678, 0x9ABC_DEF0));
        // mpc_cpu at 16 + 44: cpufeature at 4 (CPUID.1 EAX), featureflag at 8 (CPUID.1 EDX).
        BitConverter.ToUInt32(t, 60 + 4).ShouldBe(0x1234_5678u);
        BitConverter.ToUInt32(t, 60 + 8).ShouldBe(0x9ABC_DEF0u);
    }
}
