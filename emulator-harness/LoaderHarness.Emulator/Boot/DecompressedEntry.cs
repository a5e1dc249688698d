using System.Buffers.Binary;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Symbols;

namespace LoaderHarness.Emulator.Boot;

/// <summary>
/// Where a bzImage's decompressor may jump into the kernel it decompressed, from the kernel's own facts rather
/// than a guess.
/// <para>
/// arch/x86/boot/compressed/head_64.S picks the output buffer: the load address rounded up to
/// <c>boot_params.hdr.kernel_alignment</c> (<c>movl BP_kernel_alignment(%rsi), %eax</c> ... <c>andq %rax, %rbp</c>),
/// never below <c>LOAD_PHYSICAL_ADDR</c> (the header's <c>pref_address</c>, arch/x86/boot/header.S); physical KASLR
/// (compressed/kaslr.c <c>find_random_phys_addr</c>) moves it by <c>CONFIG_PHYSICAL_ALIGN</c> multiples, which is that
/// same <c>kernel_alignment</c>. <c>extract_kernel</c> (compressed/misc.c) copies the payload's PT_LOADs to
/// <c>output + (p_paddr − LOAD_PHYSICAL_ADDR)</c>, so <c>_text</c> lands at <c>output</c>, and returns the entry:
/// <c>output + entry_offset</c> with <c>entry_offset = e_entry − LOAD_PHYSICAL_ADDR</c> since Linux 6.6 (6.12's
/// <c>startup_64</c> sits at <c>_text + 0xb53</c>), plain <c>output</c> before (where <c>startup_64</c> was <c>_text</c>).
/// head_64.S then jumps with <c>movq %r15, %rsi; jmp *%rax</c>: RAX = RIP and RSI = the zero page.
/// </para>
/// <para>
/// <c>e_entry</c> is <c>phys_startup_64</c> (arch/x86/kernel/vmlinux.lds.S <c>ENTRY(phys_startup_64)</c>), so the
/// entry offset is <c>startup_64 − _text</c> in the kernel's symbols, the same number in System.map and kallsyms.
/// </para>
/// </summary>
internal sealed class DecompressedEntry
{
    /// <summary>CONFIG_PHYSICAL_ALIGN on x86-64 when the header has no usable <c>kernel_alignment</c> (2 MiB).</summary>
    public const ulong DefaultAlignment = 0x20_0000;
    /// <summary>CONFIG_PHYSICAL_START (16 MiB), LOAD_PHYSICAL_ADDR, when the header has no <c>pref_address</c>.</summary>
    public const ulong DefaultLoadPhysical = 0x100_0000;

    private DecompressedEntry(ulong alignment, ulong loadPhysical, ulong entryOffset)
    {
        Alignment = alignment;
        LoadPhysical = loadPhysical;
        EntryOffset = entryOffset;
    }

    /// <summary>The output buffer's alignment: <c>kernel_alignment</c> (0x230) as the loader left it in the zero page.</summary>
    public ulong Alignment { get; }

    /// <summary>The lowest output address: <c>pref_address</c> (0x258), LOAD_PHYSICAL_ADDR.</summary>
    public ulong LoadPhysical { get; }

    /// <summary><c>startup_64 − _text</c>: how far past <c>_text</c> the decompressor jumps (0 before Linux 6.6).</summary>
    public ulong EntryOffset { get; }

    /// <summary>The facts for the kernel whose zero page is <paramref name="zeroPage"/> and whose symbols are <paramref name="symbols"/>.</summary>
    public static DecompressedEntry For(ReadOnlySpan<byte> zeroPage, SymbolTable symbols)
    {
        var alignment = (ulong)BinaryPrimitives.ReadUInt32LittleEndian(zeroPage[SetupHeaderLayout.KernelAlignment..]);
        // boot.rst lets a loader lower kernel_alignment (2.10+), but x86-64's __startup_64 spins on any load_delta that is
        // not 2 MiB-aligned (arch/x86/kernel/head64.c), so a kernel that gets anywhere ran from a 2 MiB multiple.
        if (alignment < DefaultAlignment || (alignment & (alignment - 1)) != 0)
            alignment = DefaultAlignment;
        var loadPhysical = BinaryPrimitives.ReadUInt64LittleEndian(zeroPage[SetupHeaderLayout.PrefAddress..]);
        if (loadPhysical == 0)
            loadPhysical = DefaultLoadPhysical;
        var text = symbols.AddressOf("_text") ?? 0;
        var offset = symbols.AddressOf("startup_64") is { } startup && startup >= text && startup - text < alignment ? startup - text : 0;
        return new DecompressedEntry(alignment, loadPhysical, offset);
    }

    /// <summary>Every address the decompressor may jump to in RAM below <paramref name="end"/>: each aligned output, plus the entry offset and (for kernels older than 6.6) without it.</summary>
    public IEnumerable<ulong> Candidates(ulong end, Func<ulong, bool> isRam)
    {
        for (var output = AlignUp(LoadPhysical); output < end && output >= LoadPhysical; output += Alignment)
        {
            if (!isRam(output))
                continue;
            yield return output + EntryOffset;
            if (EntryOffset != 0)
                yield return output;
        }
    }

    /// <summary>Physical <c>_text</c> for a jump that landed at physical <paramref name="target"/>: the output buffer the decompressor chose.</summary>
    public ulong OutputOf(ulong target) =>
        EntryOffset != 0 && (target - EntryOffset) % Alignment == 0 && target >= EntryOffset ? target - EntryOffset : target;

    private ulong AlignUp(ulong address) => (address + Alignment - 1) & ~(Alignment - 1);
}
