using LoaderHarness.Emulator.X86;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Emulator.Boot;

/// <summary>
/// Where the running kernel is: the physical address of <c>_text</c> and, once seen, the virtual (KASLR)
/// offset. Any linear address the CPU maps into the kernel image is then a link address
/// (<c>phys − kernel physical + _text</c>), which names code in identity-mapped early code and in the
/// relocated high mapping alike (arch/x86/include/asm/page_64_types.h, page_64.h __phys_addr_nodebug: phys = virt − __START_KERNEL_map + phys_base).
/// </summary>
internal sealed class KernelLocator
{
    private readonly GuestMemory _memory;
    private readonly SymbolSource _symbols;
    private (ulong Text, ulong ImageSize)? _extent;

    /// <summary>A locator whose symbols are looked at only when a link address is first asked for.</summary>
    public KernelLocator(GuestMemory memory, SymbolSource symbols)
    {
        _memory = memory;
        _symbols = symbols;
    }

    /// <summary>Link address of <c>_text</c> (recovers the symbols if nothing did yet).</summary>
    public ulong Text => Extent().Text;

    private (ulong Text, ulong ImageSize) Extent() => _extent ??= _symbols.Measure(symbols =>
    {
        var text = symbols.AddressOf("_text") ?? throw new LoaderHarness.Loader.Errors.LoaderException(
            LoaderHarness.Loader.Errors.LoaderError.UnknownSymbol, "the kernel's symbol table has no _text (is it an x86-64 Linux System.map?)");
        var end = symbols.AddressOf("_end") ?? symbols[symbols.Count - 1].Address;
        return (text, end > text ? end - text : 0);
    });

    /// <summary>Physical address of <c>_text</c>, once known.</summary>
    public ulong? Physical { get; set; }

    /// <summary>Running virtual address − link address, once the kernel ran in its high mapping.</summary>
    public ulong? VirtualOffset { get; set; }

    /// <summary>Where <paramref name="linear"/> points physically under the CPU's current paging, or null.</summary>
    public ulong? ToPhysical(X86Cpu cpu, ulong linear) =>
        (cpu.Cr0 & ControlBits.Cr0Pg) == 0 ? linear : PageTableWalker.Translate(_memory, cpu.Cr3, linear);

    /// <summary>The link address the CPU reaches through <paramref name="linear"/>, if it maps into the kernel image.</summary>
    public ulong? LinkAddress(X86Cpu cpu, ulong linear)
    {
        if (Physical is not { } kernel || ToPhysical(cpu, linear) is not { } physical)
            return null;
        var (text, imageSize) = Extent();
        return physical >= kernel && physical - kernel < imageSize ? physical - kernel + text : null;
    }

    /// <summary><c>symbol+0xoffset</c> for a linear address in the kernel, else hex.</summary>
    public string Describe(X86Cpu cpu, ulong linear) =>
        LinkAddress(cpu, linear) is { } link ? _symbols.Measure(s => s.Describe(link)) : $"0x{linear:x}";

    /// <summary>The symbol starting at <paramref name="linear"/>, for traces.</summary>
    public string? NameAt(X86Cpu cpu, ulong linear) =>
        LinkAddress(cpu, linear) is { } link ? _symbols.Measure(s => s.NameAt(link)) : null;

    /// <summary>Reads <paramref name="length"/> bytes of a kernel global at its link address, through the current page tables; null if unmapped.</summary>
    public byte[]? ReadGlobal(X86Cpu cpu, ulong link, int length)
    {
        var bytes = new byte[length];
        var linear = link + (VirtualOffset ?? 0);
        for (var done = 0; done < length;)
        {
            var chunk = (int)Math.Min((ulong)(length - done), 0x1000 - ((linear + (ulong)done) & 0xFFF));
            if (ToPhysical(cpu, linear + (ulong)done) is not { } physical || !_memory.IsRam(physical, (ulong)chunk))
                return null;
            _memory.Read(physical, bytes.AsSpan(done, chunk));
            done += chunk;
        }
        return bytes;
    }
}
