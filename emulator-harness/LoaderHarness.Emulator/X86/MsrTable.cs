namespace LoaderHarness.Emulator.X86;

/// <summary>
/// Model-specific registers the guest may read and write. RDMSR/WRMSR of an index not in the table
/// raise #GP(0), as real hardware does (Linux probes with rdmsr_safe and an exception fixup). EFER,
/// FS/GS base, KERNEL_GS_BASE, TSC and TSC_AUX live in the CPU itself.
/// </summary>
public sealed class MsrTable
{
    private readonly Dictionary<uint, ulong> _values = [];

    /// <summary>IA32_EFER.</summary>
    public const uint Efer = 0xC000_0080;
    /// <summary>IA32_FS_BASE.</summary>
    public const uint FsBase = 0xC000_0100;
    /// <summary>IA32_GS_BASE.</summary>
    public const uint GsBase = 0xC000_0101;
    /// <summary>IA32_KERNEL_GS_BASE (swapped in by SWAPGS).</summary>
    public const uint KernelGsBase = 0xC000_0102;
    /// <summary>IA32_TSC_AUX (RDTSCP's ECX).</summary>
    public const uint TscAux = 0xC000_0103;
    /// <summary>IA32_TIME_STAMP_COUNTER.</summary>
    public const uint Tsc = 0x10;
    /// <summary>IA32_MISC_ENABLE (Intel verify_cpu clears XD_DISABLE here, arch/x86/kernel/verify_cpu.S).</summary>
    public const uint MiscEnable = 0x1A0;

    /// <summary>IA32_ARCH_CAPABILITIES (CPUID.(EAX=7,ECX=0):EDX[29] announces it).</summary>
    public const uint ArchCapabilities = 0x10A;

    /// <summary>
    /// IA32_ARCH_CAPABILITIES as KVM gives it to the guests of every x86 profile's VMM on a host affected by none of these
    /// (arch/x86/kvm/x86.c kvm_get_arch_capabilities: RDCL_NO, MDS_NO and the rest follow the host's own bugs, and
    /// PSCHANGE_MC_NO is always set). Bits from Linux arch/x86/include/asm/msr-index.h: RDCL_NO 0 (no Meltdown, so no page
    /// table isolation), SSB_NO 4, MDS_NO 5, PSCHANGE_MC_NO 6, TAA_NO 8, SBDR_SSDP_NO 13, FBSDP_NO 14, PSDP_NO 15,
    /// PBRSB_NO 24, GDS_NO 26, RFDS_NO 27, ITS_NO 62. IBRS_ALL (1) and TSX_CTRL_MSR (7) stay clear: they name MSRs
    /// (SPEC_CTRL, TSX_CTRL) this CPU has not. QEMU's default <c>qemu64</c> guest, an AMD part, gets none of these
    /// mitigations either (Linux treats AMD as unaffected by Meltdown, MDS and ITS).
    /// </summary>
    public const ulong NotAffected = (1UL << 0) | (1UL << 4) | (1UL << 5) | (1UL << 6) | (1UL << 8) | (1UL << 13)
        | (1UL << 14) | (1UL << 15) | (1UL << 24) | (1UL << 26) | (1UL << 27) | (1UL << 62);

    /// <summary>Whether <paramref name="index"/> exists.</summary>
    public bool Contains(uint index) => _values.ContainsKey(index);

    /// <summary>Reads an MSR; false if it does not exist.</summary>
    public bool TryRead(uint index, out ulong value) => _values.TryGetValue(index, out value);

    /// <summary>Writes an existing MSR; false if it does not exist.</summary>
    public bool TryWrite(uint index, ulong value)
    {
        if (!_values.ContainsKey(index))
            return false;
        _values[index] = value;
        return true;
    }

    /// <summary>Adds or replaces an MSR.</summary>
    public void Set(uint index, ulong value) => _values[index] = value;

    /// <summary>
    /// The MSRs a Linux entry path touches (SDM Vol. 4 names): APIC_BASE (BSP, enabled, 0xFEE00000),
    /// MISC_ENABLE (fast strings), PAT (power-on value), the SYSCALL and SYSENTER MSRs, MTRR capability and
    /// default type, microcode revision, feature control, ARCH_CAPABILITIES (<see cref="NotAffected"/>).
    /// </summary>
    public static MsrTable Default()
    {
        var t = new MsrTable();
        t.Set(0x1B, 0xFEE0_0900);
        t.Set(MiscEnable, 1);
        t.Set(0x277, 0x0007_0406_0007_0406);
        foreach (var i in new uint[] { 0x174, 0x175, 0x176, 0xC000_0081, 0xC000_0082, 0xC000_0083, 0xC000_0084 })
            t.Set(i, 0);
        t.Set(0xFE, 0);
        t.Set(0x2FF, 0xC06);
        t.Set(0x8B, 0);
        t.Set(0x3A, 1);
        t.Set(ArchCapabilities, NotAffected);
        return t;
    }
}
