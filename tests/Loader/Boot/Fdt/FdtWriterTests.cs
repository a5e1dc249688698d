using System.Buffers.Binary;
using System.Text;
using LoaderHarness.Loader.Boot.Fdt;
using LoaderHarness.Loader.Errors;
using NUnit.Framework;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Boot.Fdt;

[TestFixture]
public sealed class FdtWriterTests
{
    [Test]
    public void Minimal_tree_matches_the_spec_layout_byte_for_byte()
    {
        var w = new FdtWriter { BootCpuidPhys = 3 };
        w.BeginNode("");
        w.PropertyU32("a", 1);
        w.BeginNode("n");
        w.PropertyEmpty("a");
        w.EndNode();
        w.EndNode();

        byte[] blob = w.Finish();

        // Expected layout, DT spec v0.4 ch. 5: header (§5.2), reservation block of just the (0,0)
        // terminator at 40 (§5.3), structure block at 56 (§5.4), strings block "a\0" at 112 (§5.5).
        uint[] header = [0xD00DFEED, 114, 56, 112, 40, 17, 16, 3, 2, 56];
        uint[] structure =
        [
            1, 0,           // FDT_BEGIN_NODE "" (root name, NUL padded to 4)
            3, 4, 0, 1,     // FDT_PROP len 4, nameoff 0 ("a"), value 1
            1, 0x6E000000,  // FDT_BEGIN_NODE "n\0" padded
            3, 0, 0,        // FDT_PROP len 0, nameoff 0: "a" is stored once
            2, 2,           // FDT_END_NODE x2
            9,              // FDT_END
        ];
        var expected = new List<byte>();
        foreach (uint v in header)
        {
            expected.AddRange(BigEndian(v));
        }

        expected.AddRange(new byte[16]);
        foreach (uint v in structure)
        {
            expected.AddRange(BigEndian(v));
        }

        expected.AddRange("a\0"u8.ToArray());
        blob.ShouldBe(expected.ToArray());
    }

    [Test]
    public void Blocks_are_aligned_and_ordered_with_reservations()
    {
        var w = new FdtWriter();
        w.AddMemoryReservation(0x8000_0000, 0x1000);
        w.AddMemoryReservation(0x1_0000_0000, 0x20_0000);
        w.BeginNode("");
        w.PropertyString("odd", "abc"); // 4 value bytes with NUL; names of odd length follow
        w.PropertyString("x", "hello");
        w.EndNode();

        byte[] blob = w.Finish();
        var h = FdtHeader.Parse(blob);

        // §5.3.1: reservation block 8-byte aligned; §5.4: structure block 4-byte aligned;
        // §5.1: blocks in the order rsvmap, struct, strings.
        (h.OffMemRsvmap % 8).ShouldBe(0u);
        (h.OffDtStruct % 4).ShouldBe(0u);
        h.OffDtStruct.ShouldBe(h.OffMemRsvmap + (3 * 16));
        h.OffDtStrings.ShouldBe(h.OffDtStruct + h.SizeDtStruct);
        h.TotalSize.ShouldBe(h.OffDtStrings + h.SizeDtStrings);
        (h.SizeDtStruct % 4).ShouldBe(0u);
        ReadU64(blob, h.OffMemRsvmap).ShouldBe(0x8000_0000ul);
        ReadU64(blob, h.OffMemRsvmap + 8).ShouldBe(0x1000ul);
        ReadU64(blob, h.OffMemRsvmap + 16).ShouldBe(0x1_0000_0000ul);
        ReadU64(blob, h.OffMemRsvmap + 24).ShouldBe(0x20_0000ul);
        ReadU64(blob, h.OffMemRsvmap + 32).ShouldBe(0ul);
        ReadU64(blob, h.OffMemRsvmap + 40).ShouldBe(0ul);
        // The last token is FDT_END (§5.4.2).
        BinaryPrimitives.ReadUInt32BigEndian(blob.AsSpan((int)(h.OffDtStruct + h.SizeDtStruct - 4))).ShouldBe(9u);
    }

    [Test]
    public void Property_names_are_stored_once_in_first_use_order()
    {
        var w = new FdtWriter();
        w.BeginNode("");
        w.PropertyString("compatible", "x");
        w.PropertyU32("reg", 1);
        foreach (string child in new[] { "a", "b", "c" })
        {
            w.BeginNode(child);
            w.PropertyU32("reg", 2);
            w.PropertyString("compatible", "y");
            w.EndNode();
        }

        w.EndNode();
        byte[] blob = w.Finish();
        var h = FdtHeader.Parse(blob);

        Encoding.ASCII.GetString(blob, (int)h.OffDtStrings, (int)h.SizeDtStrings).ShouldBe("compatible\0reg\0");
    }

    [TestCase("cpu")]
    [TestCase("cpu@0")]
    [TestCase("memory@80000000")]
    [TestCase("Interrupt-Controller,v2.x_y+z")]
    [TestCase("virtio_mmio@a000000")]
    [TestCase("abcdefghijklmnopqrstuvwxyz01234")] // 31 characters: the §2.2.1 maximum
    public void Accepts_node_names_the_spec_allows(string name)
    {
        var w = new FdtWriter();
        w.BeginNode("");
        w.BeginNode(name);
        w.EndNode();
        w.EndNode();

        FdtReader.Read(w.Finish()).Root.Children[0].Name.ShouldBe(name);
    }

    // DT spec v0.4 §2.2.1 / Table 2.1: 1-31 chars of [0-9a-zA-Z,._+-], starting with a letter.
    [TestCase("")]
    [TestCase("0cpu")]
    [TestCase("-cpu")]
    [TestCase("cpu@")]
    [TestCase("@0")]
    [TestCase("cpu@0@1")]
    [TestCase("cpu 0")]
    [TestCase("cpu/0")]
    [TestCase("cpu#0")]
    [TestCase("abcdefghijklmnopqrstuvwxyz012345")] // 32 characters
    public void Rejects_node_names_the_spec_forbids(string name)
    {
        var w = new FdtWriter();
        w.BeginNode("");

        Should.Throw<LoaderException>(() => w.BeginNode(name)).Code.ShouldBe(LoaderError.InvalidDeviceTree);
    }

    [TestCase("#address-cells")]
    [TestCase("linux,initrd-start")]
    [TestCase("device_type")]
    [TestCase("has?+.x")]
    [TestCase("0123456789012345678901234567890")] // 31 characters: the §2.2.4 maximum
    public void Accepts_property_names_the_spec_allows(string name)
    {
        var w = new FdtWriter();
        w.BeginNode("");
        w.PropertyEmpty(name);
        w.EndNode();

        FdtReader.Read(w.Finish()).Root.Properties[0].Name.ShouldBe(name);
    }

    // DT spec v0.4 §2.2.4 / Table 2.2: 1-31 chars of [0-9a-zA-Z,._+?#-].
    [TestCase("")]
    [TestCase("a b")]
    [TestCase("a@b")]
    [TestCase("a/b")]
    [TestCase("a=b")]
    [TestCase("01234567890123456789012345678901")] // 32 characters
    public void Rejects_property_names_the_spec_forbids(string name)
    {
        var w = new FdtWriter();
        w.BeginNode("");

        Should.Throw<LoaderException>(() => w.PropertyEmpty(name)).Code.ShouldBe(LoaderError.InvalidDeviceTree);
    }

    private static IEnumerable<TestCaseData> Misuse()
    {
        yield return Case("property outside any node", w => w.PropertyU32("a", 1));
        yield return Case("EndNode without a node", w => w.EndNode());
        yield return Case("root with a name", w => w.BeginNode("root"));
        yield return Case("second root", w =>
        {
            w.BeginNode("");
            w.EndNode();
            w.BeginNode("");
        });
        yield return Case("property after a child node (§5.4.2)", w =>
        {
            w.BeginNode("");
            w.BeginNode("c");
            w.EndNode();
            w.PropertyU32("a", 1);
        });
        yield return Case("duplicate property", w =>
        {
            w.BeginNode("");
            w.PropertyU32("a", 1);
            w.PropertyU32("a", 2);
        });
        yield return Case("duplicate sibling", w =>
        {
            w.BeginNode("");
            w.BeginNode("c@1");
            w.EndNode();
            w.BeginNode("c@1");
        });
        yield return Case("Finish with an open node", w =>
        {
            w.BeginNode("");
            w.BeginNode("c");
            w.EndNode();
            w.Finish();
        });
        yield return Case("Finish without a root", w => w.Finish());
        yield return Case("use after Finish", w =>
        {
            w.BeginNode("");
            w.EndNode();
            w.Finish();
            w.AddMemoryReservation(0x1000, 0x1000);
        });
        yield return Case("string with interior NUL", w =>
        {
            w.BeginNode("");
            w.PropertyString("bootargs", "a\0b");
        });
        yield return Case("reservation of size 0 (reads as terminator, §5.3.2)", w => w.AddMemoryReservation(0x1000, 0));
        yield return Case("reservation wrapping 2^64", w => w.AddMemoryReservation(ulong.MaxValue, 2));

        static TestCaseData Case(string name, Action<FdtWriter> act) => new TestCaseData(act).SetName($"Misuse: {name}");
    }

    [TestCaseSource(nameof(Misuse))]
    public void Misuse_throws_InvalidDeviceTree(Action<FdtWriter> act)
    {
        Should.Throw<LoaderException>(() => act(new FdtWriter())).Code.ShouldBe(LoaderError.InvalidDeviceTree);
    }

    private static byte[] BigEndian(uint value)
    {
        byte[] bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    private static ulong ReadU64(byte[] blob, uint offset) => BinaryPrimitives.ReadUInt64BigEndian(blob.AsSpan((int)offset));
}
