using Iced.Intel;
using LoaderHarness.Fixtures.Arm64;
using LoaderHarness.Fixtures.Images;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Benchmarks.Engine;

/// <summary>The architecture of a <see cref="TcgBaselineBenchmarks"/> case.</summary>
public enum GuestArch
{
    /// <summary>x86-64 in long mode with 4-level paging on.</summary>
    X86,
    /// <summary>A64 at EL1 with the MMU off, as QEMU virt starts a kernel.</summary>
    A64,
}

/// <summary>
/// The <see cref="TcgWorkload"/> loops of <see cref="TcgBaselineBenchmarks"/>, and the same loops as bootable
/// images QEMU runs from power-on to an exit it reports, with the loop (<c>iterations</c> &gt; 0) or without it,
/// so QEMU's start-up can be subtracted:
/// <list type="bullet">
/// <item>x86: a PVH ELF for <c>-M microvm</c>. QEMU enters XEN_ELFNOTE_PHYS32_ENTRY (Xen's
/// include/public/elfnote.h, type 18) in 32-bit protected mode with paging off and flat CS, DS, ES (Xen's
/// docs/misc/pvh.pandoc); the entry code copies <see cref="GuestLayout"/>'s page tables (4 KiB pages, the ones
/// <see cref="EngineMachine"/> runs under) and source bytes to their addresses, enables PAE paging and long mode
/// (SDM Vol. 3A §9.8.5), zeroes the registers the loop reads, runs the loop's own bytes, compares RAX with
/// the engines' result and writes isa-debug-exit's port (QEMU hw/misc/debug-exit.c: exit status = value × 2 + 1).</item>
/// <item>A64: an Image (Documentation/arch/arm64/booting.rst) for <c>-M virt</c>; a QEMU-only prologue copies the
/// source bytes to <see cref="A64Source"/>, then the loop runs, X1 is compared with the engines' result and the
/// image ends with PSCI SYSTEM_OFF (function ID 0x8400_0008, Arm DEN 0022 §5.1.10) through HVC, QEMU virt's PSCI
/// conduit without EL2/EL3; on a mismatch it ends with semihosting SYS_EXIT (0x18, reason 0: QEMU exits with
/// status 1; Arm "Semihosting for AArch32 and AArch64" §6.5, QEMU semihosting/arm-compat-semi.c).</item>
/// </list>
/// The prologues and the exits run in both images, so they are subtracted with the start-up; the comparison runs
/// in the loop image only (three instructions, counted).
/// </summary>
internal static class TcgGuest
{
    /// <summary>Where the x86 image loads (16 MiB, clear of the firmware's low memory and of <see cref="GuestLayout"/>'s buffers).</summary>
    private const uint X86Base = 0x100_0000;

    /// <summary>The status the x86 image writes to isa-debug-exit when RAX is right (QEMU exits with 2 × 5 + 1 = 11), and when it is not (13).</summary>
    public const int X86ExitValue = 5, X86MismatchValue = 6;

    /// <summary>
    /// The copy loops' destinations, 64 KiB past a 1 MiB-aligned address. QEMU's softmmu TLB is direct-mapped,
    /// indexed by the page number modulo its size, which shrinks to 64 entries while few pages are in use
    /// (accel/tcg/cputlb.c tlb_index, include/exec/cpu-defs.h CPU_TLB_DYN_MIN_BITS 6): a destination 1 MiB
    /// from the source (as <see cref="GuestLayout.Destination"/> is) puts each source page in the same slot as
    /// its destination page, and every access then goes through QEMU's victim-TLB slow path (about 4× slower).
    /// </summary>
    public const ulong X86Destination = GuestLayout.Destination + GuestLayout.CopyBytes, A64Destination = 0x4051_0000;

    /// <summary>
    /// The A64 copy loop's source, 4 MiB into QEMU virt's RAM (from 0x4000_0000, hw/arm/virt.c base_memmap VIRT_MEM),
    /// above the code here (<see cref="A64EngineMachine.Code"/>) and the Image in QEMU (the loop image's check of X1
    /// passes). The guest writes both buffers itself, so a DTB QEMU placed there before it ran is simply overwritten.
    /// </summary>
    public const ulong A64Source = 0x4040_0000;

    /// <summary>The instructions the QEMU images run only with the loop: the result comparison (x86 MOV, CMP, JNE; A64 LDR, CMP, B.NE).</summary>
    public const int CheckInstructions = 3;

    /// <summary>The register result (x86 RAX, A64 X1) every engine must end the loop with.</summary>
    public static ulong ExpectedResult(TcgWorkload workload, ulong iterations) => workload == TcgWorkload.IntegerLoop
        ? unchecked(iterations * (iterations + 1) / 2) // the sum of the down-counter n..1; n(n+1) is even, and fits 64 bits for n < 2^32
        : BitConverter.ToUInt64(GuestLayout.SourcePattern(), GuestLayout.CopyBytes - 8); // the last 8 bytes copied

    /// <summary>Instructions one A64 run retires on this engine: the loop's passes, LDR and CBZ before them, the final WFI (and the copy's LDUR).</summary>
    public static ulong A64Instructions(TcgWorkload workload, ulong iterations) => workload == TcgWorkload.IntegerLoop
        ? 4 * iterations + 3
        : A64CopyPass * iterations + 4;

    /// <summary>Instructions of one pass of the A64 copy loop: two MOVZ and a MOV, four per byte, SUBS and B.NE.</summary>
    public const ulong A64CopyPass = 3 + 4UL * GuestLayout.CopyBytes + 2;

    /// <summary>The A64 loop: <paramref name="iterations"/> passes, then WFI (this engine, Unicorn) or the check and SYSTEM_OFF (QEMU).</summary>
    public static string A64Loop(TcgWorkload workload, ulong iterations, bool forQemu)
    {
        var body = workload == TcgWorkload.IntegerLoop
            ? $"""
                ldr x0, ={iterations}
                cbz x0, 2f
            1:  add x1, x1, x0
                eor x2, x2, x1, lsl #3
                subs x0, x0, #1
                b.ne 1b
            """
            : $"""
                ldr x5, ={iterations}
                cbz x5, 2f
            1:  movz x3, #0x{A64Source >> 16:x}, lsl #16
                movz x4, #0x{A64Destination >> 16:x}, lsl #16
                mov x0, #0x{GuestLayout.CopyBytes:x}
            3:  ldrb w1, [x3], #1
                strb w1, [x4], #1
                subs x0, x0, #1
                b.ne 3b
                subs x5, x5, #1
                b.ne 1b
                ldur x1, [x4, #-8]
            """;
        if (!forQemu)
            return $"{body}\n2:  wfi\n    .ltorg\n";
        // QEMU only: zero the accumulators and put the source bytes where the engines have them (both images).
        var prologue = workload == TcgWorkload.IntegerLoop
            ? "    mov x1, xzr\n    mov x2, xzr\n"
            : $"""
                adr x3, 6f
                movz x4, #0x{A64Source >> 16:x}, lsl #16
                mov x0, #0x{GuestLayout.CopyBytes:x}
            5:  ldrb w1, [x3], #1
                strb w1, [x4], #1
                subs x0, x0, #1
                b.ne 5b

            """;
        return $"""
            {prologue}{body}
                ldr x6, ={ExpectedResult(workload, iterations)}
                cmp x1, x6
                b.ne 8f
            2:  movz x0, #0x0008
                movk x0, #0x8400, lsl #16
                hvc #0
            9:  b 9b
            8:  mov x0, #0x18
                adr x1, 7f
                hlt #0xf000
                b 9b
                .ltorg
                .balign 8
            7:  .quad 0, 0
            6:
            """;
    }

    /// <summary>The A64 Image for QEMU (the copy loop's source bytes follow the code).</summary>
    public static byte[] A64Image(TcgWorkload workload, ulong iterations)
    {
        var code = GnuAarch64Assembler.Assemble(A64Loop(workload, iterations, forQemu: true));
        if (workload == TcgWorkload.ByteCopy)
            code = [.. code, .. GuestLayout.SourcePattern()];
        return Arm64ImageWriter.Write(code, (ulong)code.Length + Arm64ImageWriter.HeaderSize + 0x1000);
    }

    /// <summary>
    /// The x86 PVH ELF for QEMU: long mode under <see cref="GuestLayout"/>'s page tables, then the loop's own bytes
    /// (<paramref name="loop"/> without its final HLT) and the check of RAX against <paramref name="expectedRax"/>,
    /// or neither, then the exit.
    /// </summary>
    public static byte[] X86Elf(byte[]? loop, ulong expectedRax)
    {
        const uint tables = X86Base + 0x1000, source = tables + 0x3_0000; // copied to GuestLayout.PageTables and .Source
        const uint longMode = X86Base + 0x100, gdtr = X86Base + 0x7F8, gdt = X86Base + 0x800;
        var pageTables = GuestLayout.BuildPageTables();
        var a = new Assembler(32);
        a.cld();
        a.mov(esi, tables);
        a.mov(edi, (uint)GuestLayout.PageTables);
        a.mov(ecx, pageTables.Length);
        a.rep.movsb();
        a.mov(esi, source);
        a.mov(edi, (uint)GuestLayout.Source);
        a.mov(ecx, GuestLayout.CopyBytes);
        a.rep.movsb();
        a.mov(eax, cr4);
        a.or(eax, 0x20); // CR4.PAE
        a.mov(cr4, eax);
        a.mov(eax, (uint)GuestLayout.PageTables);
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
        var code = new byte[source - X86Base + GuestLayout.CopyBytes];
        var entry = Assemble(a, X86Base);
        if (entry.Length > longMode - X86Base || pageTables.Length > source - tables)
            throw new InvalidOperationException("the x86 image's parts overlap");
        entry.CopyTo(code, 0);
        // GDTR, then the GDT: null, 64-bit code (L = 1), data (SDM Vol. 3A §3.4.5).
        BitConverter.TryWriteBytes(code.AsSpan((int)(gdtr - X86Base)), (ushort)23);
        BitConverter.TryWriteBytes(code.AsSpan((int)(gdtr - X86Base) + 2), gdt);
        BitConverter.TryWriteBytes(code.AsSpan((int)(gdt - X86Base) + 8), 0x00AF_9A00_0000_FFFFUL);
        BitConverter.TryWriteBytes(code.AsSpan((int)(gdt - X86Base) + 16), 0x00CF_9200_0000_FFFFUL);
        pageTables.CopyTo(code, (int)(tables - X86Base));
        GuestLayout.SourcePattern().CopyTo(code, (int)(source - X86Base));
        var head = new Assembler(64);
        foreach (var r in new[] { eax, ebx, ecx, edx, esi, edi }) // the engines start the loop with these zero
            head.xor(r, r);
        var tail = new Assembler(64);
        var mismatch = tail.CreateLabel();
        if (loop is not null)
        {
            tail.mov(rdx, expectedRax);
            tail.cmp(rax, rdx);
            tail.jne(mismatch);
        }
        tail.mov(al, X86ExitValue);
        tail.@out(0xF4, al);
        tail.hlt();
        tail.Label(ref mismatch);
        tail.mov(al, X86MismatchValue);
        tail.@out(0xF4, al);
        tail.hlt();
        var body = (byte[])[.. Assemble(head, 0), .. loop ?? [], .. Assemble(tail, 0)];
        if (body.Length > gdtr - longMode)
            throw new InvalidOperationException("the x86 loop does not fit below the GDT");
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

    private static byte[] Assemble(Assembler a, ulong address)
    {
        var stream = new MemoryStream();
        a.Assemble(new StreamCodeWriter(stream), address);
        return stream.ToArray();
    }
}
