using Iced.Intel;
using LoaderHarness.Fixtures.Arm64;
using LoaderHarness.Fixtures.Images;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Benchmarks.Engine;

/// <summary>The architecture of a <see cref="TcgBaselineBenchmarks"/> case.</summary>
public enum GuestArch
{
    /// <summary>x86-64: <see cref="EngineWorkload.IntegerLoop"/>.</summary>
    X86,
    /// <summary>A64: ADD, EOR (shifted), SUBS, B.NE.</summary>
    A64,
}

/// <summary>
/// The integer loops of <see cref="TcgBaselineBenchmarks"/> as bootable images QEMU runs from power-on to an
/// exit it reports, with the loop (<c>iterations</c> &gt; 0) or without it, so QEMU's start-up can be subtracted:
/// <list type="bullet">
/// <item>x86: a PVH ELF for <c>-M microvm</c>. QEMU enters XEN_ELFNOTE_PHYS32_ENTRY (Xen's
/// include/public/elfnote.h, type 18) in 32-bit protected mode with paging off (Xen's
/// docs/misc/pvh.pandoc); the entry code builds identity page tables, enters long mode (SDM Vol. 3A §9.8.5),
/// runs <see cref="EngineWorkload.IntegerLoop"/>'s instructions and writes isa-debug-exit's port (QEMU
/// hw/misc/debug-exit.c: exit status = value × 2 + 1).</item>
/// <item>A64: an Image (Documentation/arch/arm64/booting.rst) for <c>-M virt</c>, ending with PSCI SYSTEM_OFF
/// (function ID 0x8400_0008, Arm DEN 0022 §5.1.10) through HVC, QEMU virt's PSCI conduit without EL2/EL3.</item>
/// </list>
/// </summary>
internal static class TcgGuest
{
    /// <summary>Where the x86 image loads (16 MiB, clear of the firmware's low memory).</summary>
    private const uint X86Base = 0x100_0000;

    /// <summary>The status the x86 image writes to isa-debug-exit (QEMU exits with 2 × 5 + 1 = 11).</summary>
    public const int X86ExitValue = 5;

    /// <summary>The A64 loop: <paramref name="iterations"/> passes of four instructions, then WFI (this engine, Unicorn) or SYSTEM_OFF (QEMU).</summary>
    public static string A64Loop(ulong iterations, bool forQemu) => $"""
            ldr x0, ={iterations}
            cbz x0, 2f
        1:  add x1, x1, x0
            eor x2, x2, x1, lsl #3
            subs x0, x0, #1
            b.ne 1b
        2:
        {(forQemu ? "    movz x0, #0x0008\n    movk x0, #0x8400, lsl #16\n    hvc #0\n3:  b 3b" : "    wfi")}
            .ltorg
        """;

    /// <summary>The A64 Image for QEMU.</summary>
    public static byte[] A64Image(ulong iterations)
    {
        var code = GnuAarch64Assembler.Assemble(A64Loop(iterations, forQemu: true));
        return Arm64ImageWriter.Write(code, (ulong)code.Length + Arm64ImageWriter.HeaderSize + 0x1000);
    }

    /// <summary>The x86 PVH ELF for QEMU: long mode, then the loop's own bytes (<paramref name="loop"/> without its final HLT) or nothing, then the exit.</summary>
    public static byte[] X86Elf(byte[]? loop)
    {
        const uint tables = X86Base + 0x1000; // PML4, PDPT, PD: 1 GiB identity-mapped with 2 MiB pages
        const uint longMode = X86Base + 0x100, gdtr = X86Base + 0x7F8, gdt = X86Base + 0x800;
        var a = new Assembler(32);
        a.mov(eax, cr4);
        a.or(eax, 0x20); // CR4.PAE
        a.mov(cr4, eax);
        a.mov(eax, tables);
        a.mov(cr3, eax);
        a.mov(ecx, 0xC000_0080); // IA32_EFER
        a.rdmsr();
        a.or(eax, 0x100); // EFER.LME
        a.wrmsr();
        a.mov(eax, cr0);
        a.or(eax, unchecked((int)0x8000_0001)); // CR0.PG | CR0.PE
        a.mov(cr0, eax);
        a.lgdt(__[(long)gdtr]);
        a.AddInstruction(Instruction.CreateBranch(Code.Jmp_ptr1632, 0x08, longMode)); // into the 64-bit code segment
        var code = new byte[0x4000];
        Assemble32(a).CopyTo(code, 0);
        // GDTR, then the GDT: null, 64-bit code (L = 1), data (SDM Vol. 3A §3.4.5).
        BitConverter.TryWriteBytes(code.AsSpan((int)(gdtr - X86Base)), (ushort)23);
        BitConverter.TryWriteBytes(code.AsSpan((int)(gdtr - X86Base) + 2), gdt);
        BitConverter.TryWriteBytes(code.AsSpan((int)(gdt - X86Base) + 8), 0x00AF_9A00_0000_FFFFUL);
        BitConverter.TryWriteBytes(code.AsSpan((int)(gdt - X86Base) + 16), 0x00CF_9200_0000_FFFFUL);
        BitConverter.TryWriteBytes(code.AsSpan(0x1000), (ulong)(tables + 0x1000) | 3);
        BitConverter.TryWriteBytes(code.AsSpan(0x2000), (ulong)(tables + 0x2000) | 3);
        for (var i = 0; i < 512; i++)
            BitConverter.TryWriteBytes(code.AsSpan(0x3000 + i * 8), ((ulong)i << 21) | 0x83); // present, writable, 2 MiB page
        var tail = new Assembler(64);
        tail.mov(al, X86ExitValue);
        tail.@out(0xF4, al);
        tail.hlt();
        var body = (byte[])[.. loop ?? [], .. Assemble64(tail)];
        body.CopyTo(code, (int)(longMode - X86Base));
        return ElfWriter.Write(new ElfSpec
        {
            Code = code,
            PhysicalAddress = X86Base,
            VirtualAddress = X86Base,
            Entry = X86Base,
            PvhEntry = X86Base,
        });
    }

    private static byte[] Assemble32(Assembler a)
    {
        var stream = new MemoryStream();
        a.Assemble(new StreamCodeWriter(stream), X86Base);
        return stream.ToArray();
    }

    private static byte[] Assemble64(Assembler a)
    {
        var stream = new MemoryStream();
        a.Assemble(new StreamCodeWriter(stream), 0);
        return stream.ToArray();
    }
}
