using System.Buffers.Binary;
using System.Text;

namespace LoaderHarness.Tests.Support;

/// <summary>
/// Writes small, honest PE32+ images for tests (Microsoft "PE Format"): an MS-DOS header whose e_lfanew at 0x3C
/// points at 0x40, the "PE\0\0" signature, a COFF file header, a 240-byte PE32+ optional header (EFI
/// application subsystem, 16 data directories, all empty) and a section table; each section's bytes start at a
/// FileAlignment boundary and are zero-padded to it, with VirtualSize the content's own length as ukify writes it.
/// </summary>
internal static class PeWriter
{
    public const int FileAlignment = 0x200, SectionAlignment = 0x1000;
    public const int PeOffset = 0x40;
    public const ushort MachineX64 = 0x8664, MachineArm64 = 0xAA64, MachineRiscv64 = 0x5064;
    private const int CoffSize = 20, OptionalSize = 240, SectionHeaderSize = 40;

    /// <summary>A written image and where each section's bytes start in it.</summary>
    public sealed record PeFile(byte[] Bytes, uint[] RawOffsets);

    public static PeFile Write(ushort machine, IReadOnlyList<(string Name, byte[] Data)> sections)
    {
        var headers = PeOffset + 4 + CoffSize + OptionalSize + SectionHeaderSize * sections.Count;
        var offset = Align(headers, FileAlignment);
        var rva = (uint)Align(headers, SectionAlignment);
        var raw = new uint[sections.Count];
        var rvas = new uint[sections.Count];
        for (var i = 0; i < sections.Count; i++)
        {
            raw[i] = (uint)offset;
            rvas[i] = rva;
            offset += Align(sections[i].Data.Length, FileAlignment);
            rva += (uint)Align(Math.Max(sections[i].Data.Length, 1), SectionAlignment);
        }
        var file = new byte[offset];
        var s = file.AsSpan();
        "MZ"u8.CopyTo(s);
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x3C..], PeOffset);
        "PE\0\0"u8.CopyTo(s[PeOffset..]);
        var coff = s[(PeOffset + 4)..];
        BinaryPrimitives.WriteUInt16LittleEndian(coff, machine);
        BinaryPrimitives.WriteUInt16LittleEndian(coff[2..], (ushort)sections.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(coff[16..], OptionalSize);
        // IMAGE_FILE_EXECUTABLE_IMAGE | IMAGE_FILE_LINE_NUMS_STRIPPED | IMAGE_FILE_DEBUG_STRIPPED, as zboot-header.S sets.
        BinaryPrimitives.WriteUInt16LittleEndian(coff[18..], 0x0206);
        var optional = coff[CoffSize..];
        BinaryPrimitives.WriteUInt16LittleEndian(optional, 0x20B); // PE32+ magic
        BinaryPrimitives.WriteUInt32LittleEndian(optional[16..], sections.Count > 0 ? rvas[0] : 0); // AddressOfEntryPoint
        BinaryPrimitives.WriteUInt32LittleEndian(optional[32..], SectionAlignment);
        BinaryPrimitives.WriteUInt32LittleEndian(optional[36..], FileAlignment);
        BinaryPrimitives.WriteUInt32LittleEndian(optional[56..], rva); // SizeOfImage
        BinaryPrimitives.WriteUInt32LittleEndian(optional[60..], (uint)Align(headers, FileAlignment)); // SizeOfHeaders
        BinaryPrimitives.WriteUInt16LittleEndian(optional[68..], 10); // IMAGE_SUBSYSTEM_EFI_APPLICATION
        BinaryPrimitives.WriteUInt32LittleEndian(optional[108..], 16); // NumberOfRvaAndSizes
        var table = optional[OptionalSize..];
        for (var i = 0; i < sections.Count; i++)
        {
            var header = table[(i * SectionHeaderSize)..];
            var name = Encoding.ASCII.GetBytes(sections[i].Name);
            if (name.Length > 8)
                throw new ArgumentException($"section name {sections[i].Name} is longer than 8 bytes");
            name.CopyTo(header);
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)sections[i].Data.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header[12..], rvas[i]);
            BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)Align(sections[i].Data.Length, FileAlignment));
            BinaryPrimitives.WriteUInt32LittleEndian(header[20..], raw[i]);
            // IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_READ.
            BinaryPrimitives.WriteUInt32LittleEndian(header[36..], 0x4000_0040);
            sections[i].Data.CopyTo(s[(int)raw[i]..]);
        }
        return new PeFile(file, raw);
    }

    private static int Align(int value, int alignment) => (value + alignment - 1) / alignment * alignment;
}
