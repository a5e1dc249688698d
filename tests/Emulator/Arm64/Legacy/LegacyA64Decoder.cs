using LoaderHarness.Emulator.Arm64;

namespace LoaderHarness.Tests.Emulator.Arm64.Legacy;

/// <summary>
/// The nested-switch A64 decoder the engine used before its decode table, kept in the test project only
/// while the table is proved equivalent to it. Capstone's gate is left out: <see cref="TryDecode"/> is the
/// encoding-class stage alone, false where the engine reports an unimplemented instruction.
/// </summary>
internal static unsafe partial class LegacyA64Decoder
{
    /// <summary>Decodes <paramref name="word"/> into <paramref name="d"/> (reset first); false when no class accepts it.</summary>
    public static bool TryDecode(uint word, ref A64Instruction d)
    {
        d = default;
        d.Word = word;
        var decoded = ((word >> 25) & 0xF) switch
        {
            0b1000 or 0b1001 => DataProcessingImmediate(word, ref d),
            0b1010 or 0b1011 => BranchesAndSystem(word, ref d),
            0b0100 or 0b0110 or 0b1100 or 0b1110 => LoadsAndStores(word, ref d),
            0b0101 or 0b1101 => DataProcessingRegister(word, ref d),
            _ => false,
        };
        if (!decoded)
        {
            d = default;
            d.Word = word;
        }
        return decoded;
    }

    /// <summary>A register read where 31 is XZR.</summary>
    private static byte ReadZr(uint field) => (byte)(field & 31);

    /// <summary>A register written where 31 is XZR (the write is discarded).</summary>
    private static byte WriteZr(uint field) => (field & 31) == 31 ? (byte)Arm64Cpu.Discard : (byte)(field & 31);

    /// <summary>A register read or written where 31 is SP.</summary>
    private static byte OrSp(uint field) => (field & 31) == 31 ? (byte)Arm64Cpu.Sp : (byte)(field & 31);

    private static ulong SignExtend(ulong value, int bits) => A64Decoder.SignExtend(value, bits);

    private static bool DecodeBitMasks(uint n, uint imms, uint immr, bool immediate, int width, out ulong wmask, out ulong tmask) =>
        A64Decoder.DecodeBitMasks(n, imms, immr, immediate, width, out wmask, out tmask);
}
