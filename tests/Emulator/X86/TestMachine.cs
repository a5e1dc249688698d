using Iced.Intel;
using LoaderHarness.Emulator.Core;
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

    /// <summary>GDT: 0x08 64-bit code, 0x10 32-bit code, 0x18 data, 0x20 16-bit code, 0x28 16-bit data, 0x30 TSS.</summary>
    public const ulong GdtBase = 0x800;

    /// <summary>The TSS the GDT's 0x30 descriptor points at.</summary>
    public const ulong TssBase = 0x900;

    /// <summary>IDT used by <see cref="SetGate64"/> and <see cref="SetGate32"/>.</summary>
    public const ulong IdtBase = 0x1000;

    public const ushort Code64 = 0x08, Code32 = 0x10, Data = 0x18, Code16 = 0x20, Data16 = 0x28, Tss = 0x30;

    /// <summary>Writes the GDT and a 64-bit TSS descriptor and points GDTR at it.</summary>
    public void WriteGdt()
    {
        ulong[] entries = [0, 0x00AF_9B00_0000_FFFF, 0x00CF_9B00_0000_FFFF, 0x00CF_9300_0000_FFFF, 0x0000_9B00_0000_FFFF, 0x0000_9300_0000_FFFF];
        for (var i = 0; i < entries.Length; i++)
            Memory.WriteU64(GdtBase + (ulong)i * 8, entries[i]);
        // Available 64-bit TSS (type 9), limit 0x67 (SDM Vol. 3A Figure 8-4).
        Memory.WriteU64(GdtBase + Tss, 0x67 | ((TssBase & 0xFF_FFFF) << 16) | (0x89UL << 40) | (((TssBase >> 24) & 0xFF) << 56));
        Memory.WriteU64(GdtBase + Tss + 8, TssBase >> 32);
        Cpu.Gdtr = new DescriptorTableRegister(GdtBase, (ushort)(Tss + 15));
    }

    /// <summary>64-bit interrupt (or trap) gate to <paramref name="handler"/> in CS 0x08 (SDM Vol. 3A Figure 6-8).</summary>
    public void SetGate64(int vector, ulong handler, int ist = 0, bool trap = false, int dpl = 0)
    {
        var low = (handler & 0xFFFF) | ((ulong)Code64 << 16) | ((ulong)ist << 32) | ((ulong)(0x80 | (dpl << 5) | (trap ? 0xF : 0xE)) << 40) | (((handler >> 16) & 0xFFFF) << 48);
        Memory.WriteU64(IdtBase + (ulong)vector * 16, low);
        Memory.WriteU64(IdtBase + (ulong)vector * 16 + 8, handler >> 32);
        Cpu.Idtr = new DescriptorTableRegister(IdtBase, 32 * 16 - 1);
    }

    /// <summary>32-bit interrupt gate to <paramref name="handler"/> in CS 0x10 (SDM Vol. 3A Figure 6-2).</summary>
    public void SetGate32(int vector, uint handler)
    {
        var gate = (handler & 0xFFFFUL) | ((ulong)Code32 << 16) | (0x8EUL << 40) | ((ulong)(handler >> 16) << 48);
        Memory.WriteU64(IdtBase + (ulong)vector * 8, gate);
        Cpu.Idtr = new DescriptorTableRegister(IdtBase, 32 * 8 - 1);
    }

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
        WriteGdt();
        Cpu.Cr0 = ControlBits.Cr0Pe | ControlBits.Cr0Et;
        Cpu.SetSegment(SegmentRegister.Cs, Segment.Flat(0x10, 0x9B, 0xC));
        foreach (var s in new[] { SegmentRegister.Ds, SegmentRegister.Es, SegmentRegister.Ss, SegmentRegister.Fs, SegmentRegister.Gs })
            Cpu.SetSegment(s, Segment.Flat(0x18, 0x93, 0xC));
        Cpu.Rip = rip;
        Cpu[Register.ESP] = StackTop;
    }

    /// <summary>64-bit mode with the first 4 GiB identity-mapped by 2 MiB pages, CS 0x08 (as Firecracker sets it, src/vmm/src/arch/x86_64/gdt.rs).</summary>
    public void EnterLong64(ulong rip)
    {
        WriteIdentityMap();
        Cpu.Cr4 = ControlBits.Cr4Pae;
        Cpu.Cr3 = PageTables;
        Cpu.Efer = ControlBits.EferLme | ControlBits.EferNxe;
        Cpu.Cr0 = ControlBits.Cr0Pe | ControlBits.Cr0Pg | ControlBits.Cr0Et | ControlBits.Cr0Wp;
        WriteGdt();
        Cpu.SetSegment(SegmentRegister.Cs, Segment.Flat(Code64, 0x9B, 0xA));
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
