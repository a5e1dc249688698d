namespace LoaderHarness.Emulator.X86;

/// <summary>CR0, CR4 and EFER bits the engine acts on (SDM Vol. 3A §2.5, §2.2.1).</summary>
public static class ControlBits
{
    /// <summary>CR0.PE protection enable.</summary>
    public const ulong Cr0Pe = 1UL << 0;
    /// <summary>CR0.MP monitor coprocessor.</summary>
    public const ulong Cr0Mp = 1UL << 1;
    /// <summary>CR0.EM x87 emulation.</summary>
    public const ulong Cr0Em = 1UL << 2;
    /// <summary>CR0.TS task switched.</summary>
    public const ulong Cr0Ts = 1UL << 3;
    /// <summary>CR0.ET extension type (hard-wired to 1).</summary>
    public const ulong Cr0Et = 1UL << 4;
    /// <summary>CR0.NE numeric error.</summary>
    public const ulong Cr0Ne = 1UL << 5;
    /// <summary>CR0.WP write protect (supervisor writes honour read-only pages).</summary>
    public const ulong Cr0Wp = 1UL << 16;
    /// <summary>CR0.AM alignment mask.</summary>
    public const ulong Cr0Am = 1UL << 18;
    /// <summary>CR0.NW not write-through.</summary>
    public const ulong Cr0Nw = 1UL << 29;
    /// <summary>CR0.CD cache disable.</summary>
    public const ulong Cr0Cd = 1UL << 30;
    /// <summary>CR0.PG paging.</summary>
    public const ulong Cr0Pg = 1UL << 31;

    /// <summary>CR4.PSE 4 MiB pages in 32-bit paging.</summary>
    public const ulong Cr4Pse = 1UL << 4;
    /// <summary>CR4.PAE physical address extension.</summary>
    public const ulong Cr4Pae = 1UL << 5;
    /// <summary>CR4.PGE global pages.</summary>
    public const ulong Cr4Pge = 1UL << 7;
    /// <summary>CR4.OSFXSR.</summary>
    public const ulong Cr4Osfxsr = 1UL << 9;
    /// <summary>CR4.LA57 5-level paging (not supported: writes that set it fault).</summary>
    public const ulong Cr4La57 = 1UL << 12;
    /// <summary>CR4.FSGSBASE enables RDFSBASE and friends.</summary>
    public const ulong Cr4Fsgsbase = 1UL << 16;
    /// <summary>CR4.OSXSAVE enables XGETBV.</summary>
    public const ulong Cr4Osxsave = 1UL << 18;

    /// <summary>EFER.SCE syscall enable.</summary>
    public const ulong EferSce = 1UL << 0;
    /// <summary>EFER.LME long mode enable.</summary>
    public const ulong EferLme = 1UL << 8;
    /// <summary>EFER.LMA long mode active (read-only, set by the CPU).</summary>
    public const ulong EferLma = 1UL << 10;
    /// <summary>EFER.NXE no-execute enable.</summary>
    public const ulong EferNxe = 1UL << 11;
}
