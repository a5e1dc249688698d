using System.Buffers.Binary;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images.Uki;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Images.Uki;

/// <summary>The PE section reader (Microsoft "PE Format": e_lfanew, COFF header, section table) on tests/Support's PeWriter output and damaged copies of it.</summary>
[TestFixture]
public sealed class PeSectionTableTests
{
    private static readonly PeWriter.PeFile Sample = PeWriter.Write(PeWriter.MachineX64, [(".text", [0xC3]), (".cmdline", "quiet"u8.ToArray()), (".linux", new byte[0x345])]);

    /// <summary>COFF header at e_lfanew + 4; the section table after the 20-byte COFF header and the 240-byte PE32+ optional header.</summary>
    private const int Coff = PeWriter.PeOffset + 4, Table = Coff + 20 + 240;

    [Test]
    public void Reads_machine_and_every_section_header()
    {
        var table = PeSectionTable.Parse(Sample.Bytes);

        table.Machine.ShouldBe(PeWriter.MachineX64);
        table.PeOffset.ShouldBe((uint)PeWriter.PeOffset);
        table.Sections.Select(s => s.Name).ShouldBe([".text", ".cmdline", ".linux"]);
        table.Sections.Select(s => s.PointerToRawData).ShouldBe(Sample.RawOffsets);
        // An 8-character name fills the field with no NUL (PE Format: "no terminating null").
        table.Find(".cmdline")!.Value.ContentLength.ShouldBe(5u);
        var linux = table.Find(".linux")!.Value;
        linux.SizeOfRawData.ShouldBe(0x400u); // rounded up to FileAlignment
        linux.ContentLength.ShouldBe(0x345u); // VirtualSize: the content's own length
        table.Find(".initrd").ShouldBeNull();
    }

    [Test]
    public void A_file_without_the_PE_signature_is_InvalidPeImage()
    {
        var bytes = (byte[])Sample.Bytes.Clone();
        bytes[PeWriter.PeOffset] = (byte)'X';
        Should.Throw<LoaderException>(() => PeSectionTable.Parse(bytes)).Code.ShouldBe(LoaderError.InvalidPeImage);
        PeSectionTable.IsPe(bytes).ShouldBeFalse();
    }

    [Test]
    public void An_e_lfanew_past_the_file_is_InvalidPeImage_not_an_out_of_range_read()
    {
        var bytes = (byte[])Sample.Bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(0x3C), 0xFFFF_FFF0);
        Should.Throw<LoaderException>(() => PeSectionTable.Parse(bytes)).Code.ShouldBe(LoaderError.InvalidPeImage);
    }

    [Test]
    public void A_section_table_running_past_the_file_is_InvalidPeImage()
    {
        var bytes = Sample.Bytes.AsSpan(0, Table + 40).ToArray();
        Should.Throw<LoaderException>(() => PeSectionTable.Parse(bytes)).Code.ShouldBe(LoaderError.InvalidPeImage);
    }

    [Test]
    public void More_than_96_sections_is_InvalidPeImage_before_the_table_is_read()
    {
        var bytes = (byte[])Sample.Bytes.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(Coff + 2), 97);
        Should.Throw<LoaderException>(() => PeSectionTable.Parse(bytes)).Code.ShouldBe(LoaderError.InvalidPeImage);
    }

    [Test]
    public void A_section_whose_bytes_run_past_the_file_is_PeSectionOutsideFile()
    {
        var bytes = (byte[])Sample.Bytes.Clone();
        // Third section's SizeOfRawData (entry offset 16) far past the end.
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(Table + 2 * 40 + 16), 0x7FFF_0000);
        Should.Throw<LoaderException>(() => PeSectionTable.Parse(bytes)).Code.ShouldBe(LoaderError.PeSectionOutsideFile);
        // Names alone are still readable, for format detection.
        PeSectionTable.Parse(bytes, checkRawData: false).Sections.Count.ShouldBe(3);
    }

    [Test]
    public void A_hostile_section_name_prints_on_one_line()
    {
        var bytes = (byte[])Sample.Bytes.Clone();
        bytes[Table] = (byte)'\n';
        PeSectionTable.Parse(bytes).Sections[0].Name.ShouldBe("?text");
    }
}
