using System.Buffers.Binary;
using System.Text;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// The CPU identity CPUID reports. Leaves not in the table read as zeros (the guest sees "feature absent").
/// A leaf can be made subleaf-specific; otherwise it answers for every ECX.
/// </summary>
public sealed class CpuIdTable
{
    private readonly Dictionary<(uint Leaf, uint Subleaf), CpuIdLeaf> _exact = [];
    private readonly Dictionary<uint, CpuIdLeaf> _any = [];

    /// <summary>Sets a leaf for every subleaf.</summary>
    public void Set(uint leaf, CpuIdLeaf value) => _any[leaf] = value;

    /// <summary>Sets one subleaf of a leaf (leaves 4, 7, 0xB, 0xD...).</summary>
    public void Set(uint leaf, uint subleaf, CpuIdLeaf value) => _exact[(leaf, subleaf)] = value;

    /// <summary>What CPUID returns for EAX = <paramref name="leaf"/>, ECX = <paramref name="subleaf"/>.</summary>
    public CpuIdLeaf Query(uint leaf, uint subleaf)
    {
        if (_exact.TryGetValue((leaf, subleaf), out var v))
            return v;
        return _any.TryGetValue(leaf, out v) ? v : default;
    }

    /// <summary>
    /// A 64-bit Intel-compatible CPU as a VMM would expose it: vendor GenuineIntel, family 6; PSE, PAE, PGE,
    /// PAT, CX8, CMOV, FXSR, SSE, SSE2, TSC, MSR; a local APIC with x2APIC and the TSC-deadline timer, ARAT; CPUID.1:ECX[31] hypervisor (Linux then skips microcode
    /// loading, arch/x86/kernel/cpu/microcode/core.c); CX16 and POPCNT; LM, NX, SYSCALL, RDTSCP, 1 GiB pages, LAHF in
    /// 64-bit mode and LZCNT (CPUID 0x80000001); SERIALIZE and ARCH_CAPABILITIES (leaf 7, the MSR in <see cref="MsrTable.NotAffected"/>); XSAVE off; 40 physical / 48 linear address bits;
    /// hypervisor leaves 0x40000000–0x40000001 with signature "LdrHarnessVM" (not "XenVMMXenVMM", so
    /// Linux's xen_cpuid_base() finds no Xen, §6.1).
    /// </summary>
    public static CpuIdTable Default() => Default(DefaultTscHz);

    /// <summary>
    /// The TSC rate the engine reports by default: 100 MHz, one tick per retired instruction, so 100 instructions
    /// are one microsecond of virtual time.
    /// </summary>
    public const long DefaultTscHz = 100_000_000;

    /// <summary>
    /// <see cref="Default()"/> with a TSC of <paramref name="tscHz"/> announced as Intel does: leaf 0x15 (TSC/crystal
    /// ratio 1/1, crystal = <paramref name="tscHz"/>) and leaf 0x16 (base MHz). Linux's native_calibrate_tsc
    /// (arch/x86/kernel/tsc.c) then takes the frequency from CPUID, sets X86_FEATURE_TSC_KNOWN_FREQ and never
    /// calibrates against the PIT, and calibrate_delay uses the TSC-derived lpj_fine; so every run is exact.
    /// </summary>
    public static CpuIdTable Default(long tscHz)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tscHz, 1_000_000L);
        var t = new CpuIdTable();
        var (b, c, d) = Signature("GenuineIntel");
        t.Set(0, new CpuIdLeaf(0x16, b, c, d));
        t.Set(0x15, new CpuIdLeaf(1, 1, (uint)tscHz, 0));
        var mhz = (uint)(tscHz / 1_000_000);
        t.Set(0x16, new CpuIdLeaf(mhz, mhz, 0, 0));
        // EDX[9] APIC, ECX[21] x2APIC and ECX[24] TSC-deadline: the local APIC KVM's in-kernel irqchip gives
        // every x86 profile's VMM (KVM's supported CPUID sets X2APIC and TSC_DEADLINE_TIMER with an in-kernel
        // APIC; Cloud Hypervisor arch/src/x86_64/mod.rs sets TSC_DEADLINE_TIMER_ECX_BIT 24 itself). EBX[31:24],
        // the initial APIC ID, is 0: the boot CPU.
        const uint edx1 = (1u << 0) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 8) | (1u << 9) | (1u << 13)
            | (1u << 15) | (1u << 16) | (1u << 19) | (1u << 23) | (1u << 24) | (1u << 25) | (1u << 26);
        const uint ecx1 = (1u << 0) | (1u << 13) | (1u << 21) | (1u << 23) | (1u << 24) | (1u << 31);
        t.Set(1, new CpuIdLeaf(0x0005_0654, 0x0001_0800, ecx1, edx1));
        // Leaf 6 EAX[2] ARAT: the APIC timer keeps running in deep C-states, so Linux keeps it as the clock event
        // device in idle (arch/x86/kernel/apic/apic.c setup_APIC_timer drops CLOCK_EVT_FEAT_C3STOP); KVM reports it.
        t.Set(6, new CpuIdLeaf(1u << 2, 0, 0, 0));
        // Leaf 7 EDX[14] SERIALIZE, which the engine runs as the no-op it is for it (decoded code is dropped at the write that
        // changes it): Linux's sync_core() (arch/x86/include/asm/sync_core.h) then takes it instead of an IRET to itself,
        // once for each of the some 100,000 patches text_poke_early makes on the way to /init. EDX[29]: IA32_ARCH_CAPABILITIES,
        // which KVM announces to every guest, emulating it where the host has none (arch/x86/kvm/cpuid.c, kvm_set_cpu_caps).
        t.Set(7, 0, new CpuIdLeaf(0, (1u << 0) | (1u << 9), 0, (1u << 14) | (1u << 29)));
        var (hb, hc, hd) = Signature("LdrHarnessVM");
        t.Set(0x4000_0000, new CpuIdLeaf(0x4000_0001, hb, hc, hd));
        t.Set(0x4000_0001, new CpuIdLeaf(0, 0, 0, 0));
        t.Set(0x8000_0000, new CpuIdLeaf(0x8000_0008, 0, 0, 0));
        t.Set(0x8000_0001, new CpuIdLeaf(0, 0, (1u << 0) | (1u << 5), (1u << 11) | (1u << 20) | (1u << 26) | (1u << 27) | (1u << 29)));
        var brand = Encoding.ASCII.GetBytes("LoaderHarness x86 engine".PadRight(48, '\0'));
        for (var i = 0; i < 3; i++)
        {
            var s = brand.AsSpan(i * 16);
            t.Set(0x8000_0002 + (uint)i, new CpuIdLeaf(
                BinaryPrimitives.ReadUInt32LittleEndian(s), BinaryPrimitives.ReadUInt32LittleEndian(s[4..]),
                BinaryPrimitives.ReadUInt32LittleEndian(s[8..]), BinaryPrimitives.ReadUInt32LittleEndian(s[12..])));
        }
        t.Set(0x8000_0008, new CpuIdLeaf(0x3028, 0, 0, 0));
        return t;
    }

    /// <summary>Splits a 12-character vendor/hypervisor signature into EBX, ECX, EDX order.</summary>
    private static (uint Ebx, uint Ecx, uint Edx) Signature(string s)
    {
        var bytes = Encoding.ASCII.GetBytes(s);
        return (BinaryPrimitives.ReadUInt32LittleEndian(bytes), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)),
            BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)));
    }
}
