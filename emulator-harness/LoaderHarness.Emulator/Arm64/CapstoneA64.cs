namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// Capstone (the native library of the Gee.External.Capstone package, through <see cref="CapstoneNative"/>) as the engine's authority on which A64 words are instructions and
/// what they are called. Each distinct word is disassembled once per process; the engine itself never
/// calls Capstone while executing.
/// </summary>
public static class CapstoneA64
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<uint, A64Text?> Cache = [];

    /// <summary>Capstone's text for <paramref name="word"/>, or null when Capstone does not decode it.</summary>
    public static A64Text? Describe(uint word)
    {
        lock (Gate)
        {
            if (Cache.TryGetValue(word, out var text))
                return text;
            text = Disassemble(word, 0);
            Cache[word] = text;
            return text;
        }
    }

    /// <summary>Capstone's text for <paramref name="word"/> at <paramref name="address"/> (branch targets absolute); not cached.</summary>
    public static A64Text? Describe(uint word, ulong address)
    {
        lock (Gate)
            return Disassemble(word, address);
    }

    private static A64Text? Disassemble(uint word, ulong address)
    {
        return CapstoneNative.Disassemble(word, address) is { } text ? new A64Text(text.Mnemonic, text.Operand) : null;
    }
}
