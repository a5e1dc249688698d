namespace LoaderHarness.Loader.Images.Uki;

/// <summary>
/// One 40-byte entry of a PE/COFF section table (Microsoft "PE Format", Section Table (Section Headers)).
/// </summary>
/// <param name="Name"><c>Name</c> at 0: up to 8 bytes of ASCII, NUL-padded (an 8-character name has no NUL).</param>
/// <param name="VirtualSize"><c>VirtualSize</c> at 8: the section's size in memory.</param>
/// <param name="VirtualAddress"><c>VirtualAddress</c> at 12: its RVA.</param>
/// <param name="SizeOfRawData"><c>SizeOfRawData</c> at 16: its bytes in the file, a multiple of FileAlignment.</param>
/// <param name="PointerToRawData"><c>PointerToRawData</c> at 20: the file offset of those bytes.</param>
public readonly record struct PeSection(string Name, uint VirtualSize, uint VirtualAddress, uint SizeOfRawData, uint PointerToRawData)
{
    /// <summary>Bytes of one section header.</summary>
    public const int Size = 40;

    /// <summary>
    /// The length of the section's content in the file. SizeOfRawData is rounded up to FileAlignment, so the
    /// content's own length is VirtualSize when that is smaller (ukify writes VirtualSize = the content's
    /// length; systemd-stub reads a section's VirtualSize bytes, src/boot/pe.c). A VirtualSize past the raw data
    /// means zero fill in memory, which carries nothing the kernel needs: the file's bytes are the content.
    /// </summary>
    public uint ContentLength => VirtualSize != 0 && VirtualSize < SizeOfRawData ? VirtualSize : SizeOfRawData;
}
