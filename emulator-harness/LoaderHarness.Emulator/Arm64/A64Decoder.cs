namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// Turns an A64 word into an <see cref="A64Instruction"/>. Capstone decides whether the word is an
/// instruction at all (an encoding it rejects stops the run as undefined); the encoding classes of the
/// Arm ARM (DDI 0487, C4.1 "A64 instruction set encoding") then select the handler and extract the
/// operands, because Capstone 4's operand details fold aliases together (ARM64_INS_MOV covers ORR, ADD
/// and MOVZ) and lack the exact fields the handlers need. Split over files by encoding group.
/// </summary>
internal static unsafe partial class A64Decoder
{
    /// <summary>Decodes <paramref name="word"/> into <paramref name="d"/> (which is reset first).</summary>
    public static void Decode(uint word, ref A64Instruction d)
    {
        d = default;
        d.Word = word;
        if (CapstoneA64.Describe(word) is null)
        {
            d.Handler = &SystemInstructions.Undefined;
            return;
        }
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
            d.Handler = &SystemInstructions.Unimplemented;
        }
    }

    /// <summary>A register read where 31 is XZR.</summary>
    private static byte ReadZr(uint field) => (byte)(field & 31);

    /// <summary>A register written where 31 is XZR (the write is discarded).</summary>
    private static byte WriteZr(uint field) => (field & 31) == 31 ? (byte)Arm64Cpu.Discard : (byte)(field & 31);

    /// <summary>A register read or written where 31 is SP.</summary>
    private static byte OrSp(uint field) => (field & 31) == 31 ? (byte)Arm64Cpu.Sp : (byte)(field & 31);

    /// <summary>Sign-extends the low <paramref name="bits"/> bits of <paramref name="value"/>.</summary>
    internal static ulong SignExtend(ulong value, int bits) => (ulong)((long)(value << (64 - bits)) >> (64 - bits));

    /// <summary>
    /// DecodeBitMasks (Arm ARM shared pseudocode, aarch64/instrs/integer/bitmasks): the wmask and tmask of
    /// a logical immediate or bitfield. False for the reserved encodings.
    /// </summary>
    internal static bool DecodeBitMasks(uint n, uint imms, uint immr, bool immediate, int width, out ulong wmask, out ulong tmask)
    {
        wmask = tmask = 0;
        var combined = (n << 6) | (~imms & 0x3F);
        if (combined == 0)
            return false;
        var len = 31 - int.LeadingZeroCount((int)combined);
        if (len < 1 || (1 << len) > width)
            return false;
        var levels = (uint)((1 << len) - 1);
        if (immediate && (imms & levels) == levels)
            return false;
        var s = (int)(imms & levels);
        var r = (int)(immr & levels);
        var esize = 1 << len;
        var diff = (s - r) & (esize - 1);
        var welem = Ones(s + 1);
        var telem = Ones(diff + 1);
        var elementMask = Ones(esize);
        welem = r == 0 ? welem : ((welem >> r) | (welem << (esize - r))) & elementMask;
        for (var i = 0; i < width; i += esize)
        {
            wmask |= welem << i;
            tmask |= telem << i;
        }
        if (width == 32)
        {
            wmask &= 0xFFFF_FFFF;
            tmask &= 0xFFFF_FFFF;
        }
        return true;
    }

    private static ulong Ones(int count) => count >= 64 ? ulong.MaxValue : (1UL << count) - 1;
}
