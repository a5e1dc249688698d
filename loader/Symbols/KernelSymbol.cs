namespace LoaderHarness.Loader.Symbols;

/// <summary>One kernel symbol as System.map and /proc/kallsyms list it: <c>address type name</c>.</summary>
/// <param name="Address">The link-time virtual address.</param>
/// <param name="Type">nm's type letter: T/t text, D/d data, B/b BSS, R/r read-only, A/a absolute, W/w weak...</param>
/// <param name="Name">The symbol's name.</param>
public readonly record struct KernelSymbol(ulong Address, char Type, string Name)
{
    /// <summary>Whether the symbol names code (nm types T, t, W, w).</summary>
    public bool IsText => Type is 'T' or 't' or 'W' or 'w';

    /// <summary>Whether the address is absolute rather than a place in the image (nm type A, a: e.g. x86-64 per-CPU offsets).</summary>
    public bool IsAbsolute => Type is 'A' or 'a';

    /// <summary>Whether the symbol is global (an upper-case type letter).</summary>
    public bool IsGlobal => char.IsUpper(Type);
}
