using System.Runtime.InteropServices;
using System.Text;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// The few calls of the native capstone library (libcapstone.so, Capstone 4, shipped in the Gee.External.Capstone
/// package under runtimes/&lt;rid&gt;/native) that naming an A64 word needs, as source-generated P/Invoke: the
/// package's managed binding marshals with <c>Marshal.PtrToStructure(IntPtr, Type)</c>, which a native (AOT)
/// build cannot guarantee. Signatures and the <c>cs_insn</c> layout are Capstone 4's include/capstone/capstone.h.
/// </summary>
internal static unsafe partial class CapstoneNative
{
    /// <summary><c>CS_ARCH_ARM64</c> (capstone.h, Capstone 4 <c>cs_arch</c>).</summary>
    private const int ArchArm64 = 1;
    /// <summary><c>CS_MODE_ARM</c> = <c>CS_MODE_LITTLE_ENDIAN</c> = 0 (capstone.h <c>cs_mode</c>).</summary>
    private const int ModeArm = 0;

    // cs_insn (Capstone 4): unsigned int id @0; uint64_t address @8; uint16_t size @16; uint8_t bytes[16] @18;
    // char mnemonic[CS_MNEMONIC_SIZE = 32] @34; char op_str[160] @66; cs_detail *detail @232.
    private const int MnemonicOffset = 34, MnemonicSize = 32;
    private const int OperandOffset = 66, OperandSize = 160;

    private static nuint _handle;

    /// <summary>Capstone's mnemonic and operand text for one A64 word at <paramref name="address"/>, or null when it decodes none.</summary>
    /// <remarks>Not thread-safe: the caller serializes (one handle per process).</remarks>
    public static (string Mnemonic, string Operand)? Disassemble(uint word, ulong address)
    {
        if (_handle == 0)
        {
            nuint handle;
            var error = Open(ArchArm64, ModeArm, &handle);
            if (error != 0)
                throw new InvalidOperationException($"cs_open(CS_ARCH_ARM64) failed with cs_err {error}");
            _handle = handle;
        }
        byte* insn;
        var count = Disasm(_handle, (byte*)&word, 4, address, 1, &insn);
        if (count == 0)
            return null;
        try
        {
            return (CString(insn + MnemonicOffset, MnemonicSize), CString(insn + OperandOffset, OperandSize));
        }
        finally
        {
            Free(insn, count);
        }
    }

    private static string CString(byte* p, int max)
    {
        var span = new ReadOnlySpan<byte>(p, max);
        var nul = span.IndexOf((byte)0);
        return Encoding.ASCII.GetString(nul < 0 ? span : span[..nul]);
    }

    [LibraryImport("capstone", EntryPoint = "cs_open")]
    private static partial int Open(int arch, int mode, nuint* handle);

    [LibraryImport("capstone", EntryPoint = "cs_disasm")]
    private static partial nuint Disasm(nuint handle, byte* code, nuint size, ulong address, nuint count, byte** insn);

    [LibraryImport("capstone", EntryPoint = "cs_free")]
    private static partial void Free(byte* insn, nuint count);
}
