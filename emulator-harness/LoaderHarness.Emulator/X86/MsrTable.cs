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
    /// default type, microcode revision, feature control.
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
        return t;
    }
}
