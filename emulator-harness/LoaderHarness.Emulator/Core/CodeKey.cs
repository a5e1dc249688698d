namespace LoaderHarness.Emulator.Core;

/// <summary>
/// What a page's decoded entries depend on besides its bytes; a page fetched under another key is emptied.
/// x86 uses all four (Iced's IP-relative results and the fetch-limit check depend on them); arm64 entries
/// depend on nothing else (PC-relative operands are kept as offsets), so it uses the default key and a page
/// mapped at two virtual addresses shares its entries.
/// </summary>
/// <param name="Page">The virtual page the code was decoded at.</param>
/// <param name="Base">x86: the CS base.</param>
/// <param name="Limit">x86: the CS limit instructions were checked against (all ones when unchecked).</param>
/// <param name="Mode">x86: the code bitness (16, 32 or 64).</param>
internal readonly record struct CodeKey(ulong Page, ulong Base, ulong Limit, int Mode)
{
    /// <summary>The key of a page no fetch has claimed yet: never equal to a real one.</summary>
    public static readonly CodeKey None = new(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, -1);
}
