using Iced.Intel;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>
/// A CPU over 16 MiB of flat guest RAM, put directly into real, 32-bit protected or 64-bit long mode (the
/// way a VMM sets vCPU state), with programs assembled by Iced's Assembler.
/// </summary>
internal sealed class TestMachine : IDisposable
{
    /// <summary>Where test programs are placed.</summary>
    public const ulong CodeBase = 0x10000;

    /// <summary>Identity-map page tables for long mode live here (PML4, PDPT, then four PDs).</summary>
    public const ulong PageTables = 0x100000;

    /// <summary>Top of the default stack.</summary>
    public const ulong StackTop = 0x80000;

    public TestMachine(ulong memorySize = 16 << 20)
    {
        Memory = GuestMemory.Flat(memorySize);
        Cpu = new X86Cpu(Memory);
    }

    public GuestMemory Memory { get; }

    public X86Cpu Cpu { get; }

    /// <summary>Assembles <paramref name="build"/> for <paramref name="bitness"/> at <paramref name="address"/> and writes it to RAM.</summary>
    public byte[] Load(int bitness, ulong address, Action<Assembler> build)
    {
        var asm = new Assembler(bitness);
        build(asm);
        var bytes = Assemble(asm, address);
        Memory.Write(address, bytes);
        return bytes;
    }

    public static byte[] Assemble(Assembler asm, ulong address)
    {
        using var stream = new MemoryStream();
        asm.Assemble(new StreamCodeWriter(stream), address);
        return stream.ToArray();
    }

    /// <summary>Real mode, CS = DS = ES = SS = <paramref name="segment"/>, IP = <paramref name="ip"/>.</summary>
    public void EnterReal(ushort segment, ushort ip, ushort sp = 0xFFF0)
    {
        foreach (var s in new[] { SegmentRegister.Ds, SegmentRegister.Es, SegmentRegister.Ss, SegmentRegister.Fs, SegmentRegister.Gs })
            Cpu.SetSegment(s, Segment.RealMode(segment));
        Cpu.SetSegment(SegmentRegister.Cs, Segment.RealMode(segment) with { Attributes = 0x9B });
        Cpu.Rip = ip;
        Cpu[Register.SP] = sp;
    }

    /// <summary>32-bit protected mode, flat segments (CS 0x10, data 0x18 as the 32-bit boot protocol, boot.rst), paging off.</summary>
    public void EnterProtected32(ulong rip)
    {
        Cpu.Cr0 = ControlBits.Cr0Pe | ControlBits.Cr0Et;
        Cpu.SetSegment(SegmentRegister.Cs, Segment.Flat(0x10, 0x9B, 0xC));
        foreach (var s in new[] { SegmentRegister.Ds, SegmentRegister.Es, SegmentRegister.Ss, SegmentRegister.Fs, SegmentRegister.Gs })
            Cpu.SetSegment(s, Segment.Flat(0x18, 0x93, 0xC));
        Cpu.Rip = rip;
        Cpu[Register.ESP] = StackTop;
    }

    /// <summary>64-bit mode with the first 4 GiB identity-mapped by 2 MiB pages.</summary>
    public void EnterLong64(ulong rip)
    {
        WriteIdentityMap();
        Cpu.Cr4 = ControlBits.Cr4Pae;
        Cpu.Cr3 = PageTables;
        Cpu.Efer = ControlBits.EferLme | ControlBits.EferNxe;
        Cpu.Cr0 = ControlBits.Cr0Pe | ControlBits.Cr0Pg | ControlBits.Cr0Et | ControlBits.Cr0Wp;
        Cpu.SetSegment(SegmentRegister.Cs, Segment.Flat(0x10, 0x9B, 0xA));
        foreach (var s in new[] { SegmentRegister.Ds, SegmentRegister.Es, SegmentRegister.Ss, SegmentRegister.Fs, SegmentRegister.Gs })
            Cpu.SetSegment(s, Segment.Flat(0x18, 0x93, 0xC));
        Cpu.Rip = rip;
        Cpu[Register.RSP] = StackTop;
    }

    /// <summary>PML4[0] → PDPT; PDPT[0..3] → four page directories of 2 MiB pages covering 4 GiB (SDM Vol. 3A §4.5).</summary>
    public void WriteIdentityMap()
    {
        Memory.WriteU64(PageTables, (PageTables + 0x1000) | 3);
        for (ulong i = 0; i < 4; i++)
        {
            var pd = PageTables + 0x2000 + i * 0x1000;
            Memory.WriteU64(PageTables + 0x1000 + i * 8, pd | 3);
            for (ulong j = 0; j < 512; j++)
                Memory.WriteU64(pd + j * 8, ((i << 30) + (j << 21)) | 0x83);
        }
    }

    public RunResult Run(ulong budget = 1_000_000) => Cpu.Run(budget);

    public void Dispose() => Memory.Dispose();
}
