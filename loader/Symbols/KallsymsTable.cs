namespace LoaderHarness.Loader.Symbols;

/// <summary>A kernel's symbols as its own kallsyms tables hold them, and the layout they were found in.</summary>
public sealed class KallsymsTable
{
    internal KallsymsTable(SymbolTable symbols, KallsymsLayout? layout, ulong? imageBase)
    {
        Symbols = symbols;
        Layout = layout;
        ImageBase = imageBase;
    }

    /// <summary>The symbols with their link-time addresses, as /proc/kallsyms lists them with KASLR off.</summary>
    public SymbolTable Symbols { get; }

    /// <summary>The layout the tables were written in; null for a table recovered earlier (<see cref="KallsymsReader.ForImage"/>).</summary>
    public KallsymsLayout? Layout { get; }

    /// <summary>
    /// For a raw image (an arm64 Image), the address the symbols give the image's first byte (<c>_text</c>,
    /// the link address): a symbol lies at image offset <c>Address − ImageBase</c>. 0 when the Image does not
    /// say its link address (a relocatable one without the relocation of <c>kallsyms_relative_base</c>, or 7.0+
    /// place-relative offsets): addresses are then image offsets. Null for an ELF vmlinux, whose program
    /// headers place it.
    /// </summary>
    public ulong? ImageBase { get; }

    /// <summary>The image offset of <paramref name="name"/> in a raw image, or null (no such symbol, or an ELF input).</summary>
    public ulong? ImageOffsetOf(string name) =>
        ImageBase is { } imageBase && Symbols.AddressOf(name) is { } address && address >= imageBase ? address - imageBase : null;
}
