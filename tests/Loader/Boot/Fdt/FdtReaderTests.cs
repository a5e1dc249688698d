using System.Buffers.Binary;
using LoaderHarness.Loader.Boot.Fdt;
using LoaderHarness.Loader.Errors;
using NUnit.Framework;
using Shouldly;
using static LoaderHarness.Tests.Loader.Boot.Fdt.RawFdt;

namespace LoaderHarness.Tests.Loader.Boot.Fdt;

[TestFixture]
public sealed class FdtReaderTests
{
    private static byte[] Sample()
    {
        var w = new FdtWriter { BootCpuidPhys = 0x100 };
        w.AddMemoryReservation(0x4000_0000, 0x20_0000);
        w.BeginNode("");
        w.PropertyU32("#address-cells", 2);
        w.BeginNode("chosen");
        w.PropertyString("bootargs", "console=ttyS0 root=/dev/vda");
        w.PropertyU64("linux,initrd-start", 0x4800_0000);
        w.PropertyEmpty("dma-coherent");
        w.EndNode();
        w.BeginNode("cpus");
        w.BeginNode("cpu@0");
        w.PropertyStringList("compatible", "arm,cortex-a57", "arm,armv8");
        w.PropertyU32Array("interrupts", [1, 13, 4]);
        w.PropertyU64Array("reg", [0x1_0000_0000, 0x2000]);
        w.Property("raw", [0xDE, 0xAD, 0xBE]);
        w.EndNode();
        w.EndNode();
        w.EndNode();
        return w.Finish();
    }

    [Test]
    public void Round_trips_every_property_kind()
    {
        var tree = FdtReader.Read(Sample());

        tree.Header.BootCpuidPhys.ShouldBe(0x100u);
        tree.MemoryReservations.ShouldBe([new FdtRegion(0x4000_0000, 0x20_0000)]);
        tree.Root.Name.ShouldBe("");
        tree.Root.FindProperty("#address-cells")!.AsU32().ShouldBe(2u);
        tree.FindProperty("/chosen", "bootargs")!.AsString().ShouldBe("console=ttyS0 root=/dev/vda");
        tree.FindProperty("/chosen", "linux,initrd-start")!.AsU64().ShouldBe(0x4800_0000ul);
        tree.FindProperty("/chosen", "dma-coherent")!.Value.Length.ShouldBe(0);
        var cpu = tree.FindNode("/cpus/cpu@0")!;
        cpu.FindProperty("compatible")!.AsStringList().ShouldBe(["arm,cortex-a57", "arm,armv8"]);
        cpu.FindProperty("interrupts")!.AsU32Array().ShouldBe([1u, 13u, 4u]);
        cpu.FindProperty("reg")!.AsU32Array().ShouldBe([1u, 0u, 0u, 0x2000u]);
        cpu.FindProperty("raw")!.Value.ToArray().ShouldBe([0xDE, 0xAD, 0xBE]);
        tree.Root.Children.Select(c => c.Name).ShouldBe(["chosen", "cpus"]);
    }

    [TestCase("/", "")]
    [TestCase("/cpus", "cpus")]
    [TestCase("/cpus/cpu@0", "cpu@0")]
    [TestCase("/cpus/cpu", "cpu@0")] // libfdt fdt_subnode_offset_namelen: a name without '@' ignores the unit address
    [TestCase("//cpus/", "cpus")]
    public void FindNode_resolves_paths(string path, string expectedName)
    {
        FdtReader.Read(Sample()).FindNode(path)!.Name.ShouldBe(expectedName);
    }

    [TestCase("chosen")]
    [TestCase("/missing")]
    [TestCase("/cpus/cpu@1")]
    [TestCase("/chosen/bootargs")]
    public void FindNode_returns_null_for_relative_or_missing_paths(string path)
    {
        FdtReader.Read(Sample()).FindNode(path).ShouldBeNull();
    }

    [Test]
    public void Skips_nop_tokens_and_ignores_free_space_after_totalsize()
    {
        // §5.4.1: FDT_NOP is ignored; §5.1: the buffer may extend past totalsize.
        byte[] blob = Build([Nop, BeginNode, 0, Nop, Prop, 4, 0, 7, Nop, EndNode, Nop, End], "a\0");
        byte[] padded = [.. blob, .. new byte[64]];

        FdtReader.Read(padded).Root.FindProperty("a")!.AsU32().ShouldBe(7u);
    }

    private static IEnumerable<TestCaseData> Malformed()
    {
        byte[] good = Sample();
        var h = FdtHeader.Parse(good);
        int s = (int)h.OffDtStruct;

        yield return Case("empty buffer", [], LoaderError.InvalidDeviceTree);
        yield return Case("truncated inside the header", good[..20], LoaderError.InvalidDeviceTree);
        yield return Case("truncated blob (totalsize > buffer)", good[..^1], LoaderError.InvalidDeviceTree);
        yield return Case("bad magic", Patch(good, 0x00, 0xEDFE0DD0), LoaderError.InvalidMagic);
        yield return Case("totalsize too big", Patch(good, 0x04, h.TotalSize + 1), LoaderError.InvalidDeviceTree);
        yield return Case("totalsize smaller than the header", Patch(good, 0x04, 39), LoaderError.InvalidDeviceTree);
        yield return Case("version 16 (no size_dt_struct)", Patch(good, 0x14, 16), LoaderError.InvalidDeviceTree);
        yield return Case("last_comp_version 18", Patch(good, 0x18, 18), LoaderError.InvalidDeviceTree);
        yield return Case("off_dt_struct misaligned", Patch(good, 0x08, h.OffDtStruct + 2), LoaderError.InvalidDeviceTree);
        yield return Case("off_dt_struct inside the header", Patch(good, 0x08, 4), LoaderError.InvalidDeviceTree);
        yield return Case("size_dt_struct past totalsize", Patch(good, 0x24, h.TotalSize), LoaderError.InvalidDeviceTree);
        yield return Case("off_dt_strings past totalsize", Patch(good, 0x0C, h.TotalSize + 1), LoaderError.InvalidDeviceTree);
        yield return Case("size_dt_strings past totalsize", Patch(good, 0x20, h.SizeDtStrings + 1), LoaderError.InvalidDeviceTree);
        yield return Case("off_mem_rsvmap misaligned", Patch(good, 0x10, 44), LoaderError.InvalidDeviceTree);
        yield return Case("reservation map without terminator", Patch(good, 0x10, (h.TotalSize - 8) & ~7u), LoaderError.InvalidDeviceTree);
        yield return Case("string offset out of bounds", Patch(good, s + 16, h.SizeDtStrings), LoaderError.InvalidDeviceTree);
        yield return Case("last string not terminated in block", Patch(good, 0x20, h.SizeDtStrings - 1), LoaderError.InvalidDeviceTree);
        yield return Case("property length past block", Patch(good, s + 12, 0x1000), LoaderError.InvalidDeviceTree);
        yield return Case("unknown token", Patch(good, s, 7), LoaderError.InvalidDeviceTree);
        yield return Case("structure block cut before FDT_END", Patch(good, 0x24, h.SizeDtStruct - 8), LoaderError.InvalidDeviceTree);
        yield return Case("unterminated node (FDT_END while open)",
            Build([BeginNode, 0, BeginNode, 0x61000000, EndNode, End], ""), LoaderError.InvalidDeviceTree);
        yield return Case("unterminated node name",
            Build([BeginNode, 0x61616161], ""), LoaderError.InvalidDeviceTree);
        yield return Case("FDT_END_NODE without open node", Build([EndNode, End], ""), LoaderError.InvalidDeviceTree);
        yield return Case("FDT_END without root", Build([End], ""), LoaderError.InvalidDeviceTree);
        yield return Case("second root", Build([BeginNode, 0, EndNode, BeginNode, 0, EndNode, End], ""), LoaderError.InvalidDeviceTree);
        yield return Case("named root", Build([BeginNode, 0x61000000, EndNode, End], ""), LoaderError.InvalidDeviceTree);
        yield return Case("property outside a node", Build([Prop, 0, 0, End], "a\0"), LoaderError.InvalidDeviceTree);
        yield return Case("property after a subnode (§5.4.2)",
            Build([BeginNode, 0, BeginNode, 0x61000000, EndNode, Prop, 0, 0, EndNode, End], "a\0"), LoaderError.InvalidDeviceTree);

        static TestCaseData Case(string name, byte[] blob, LoaderError code) =>
            new TestCaseData(blob, code).SetName($"Malformed: {name}");
    }

    [TestCaseSource(nameof(Malformed))]
    public void Malformed_blobs_throw_the_typed_error(byte[] blob, LoaderError code)
    {
        Should.Throw<LoaderException>(() => FdtReader.Read(blob)).Code.ShouldBe(code);
    }

    [Test]
    public void Patched_offsets_in_the_malformed_table_point_at_what_they_claim()
    {
        // Guards the table above: FDT_BEGIN_NODE "" takes 8 bytes, so the first FDT_PROP is at
        // structure+8, its len at +12 and its nameoff at +16 (§5.4.1).
        byte[] good = Sample();
        int s = (int)FdtHeader.Parse(good).OffDtStruct;
        BinaryPrimitives.ReadUInt32BigEndian(good.AsSpan(s + 8)).ShouldBe(3u);  // FDT_PROP
        BinaryPrimitives.ReadUInt32BigEndian(good.AsSpan(s + 12)).ShouldBe(4u); // len of #address-cells
        BinaryPrimitives.ReadUInt32BigEndian(good.AsSpan(s + 16)).ShouldBe(0u); // nameoff: first string
    }
}
