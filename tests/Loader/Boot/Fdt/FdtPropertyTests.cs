using LoaderHarness.Loader.Boot.Fdt;
using LoaderHarness.Loader.Errors;
using NUnit.Framework;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Boot.Fdt;

[TestFixture]
public sealed class FdtPropertyTests
{
    private static FdtProperty Read(byte[] value)
    {
        var w = new FdtWriter();
        w.BeginNode("");
        w.Property("p", value);
        w.EndNode();
        return FdtReader.Read(w.Finish()).Root.FindProperty("p")!;
    }

    [Test]
    public void Getters_decode_big_endian_cells()
    {
        // DT spec v0.4 §2.2.4.2: <u32> and <u64> are big-endian; a <u64> is high cell first.
        Read([0x12, 0x34, 0x56, 0x78]).AsU32().ShouldBe(0x1234_5678u);
        Read([0, 0, 0, 1, 0, 0, 0, 2]).AsU64().ShouldBe(0x1_0000_0002ul);
        Read([0, 0, 0, 1, 0, 0, 0, 2]).AsU32Array().ShouldBe([1u, 2u]);
        Read("a\0bc\0"u8.ToArray()).AsStringList().ShouldBe(["a", "bc"]);
        Read("\0"u8.ToArray()).AsString().ShouldBe("");
    }

    private static IEnumerable<TestCaseData> Misreads()
    {
        yield return Case("u32 of 8 bytes", p => p.AsU32(), new byte[8]);
        yield return Case("u32 of 0 bytes", p => p.AsU32(), []);
        yield return Case("u64 of 4 bytes", p => p.AsU64(), new byte[4]);
        yield return Case("cells of 6 bytes", p => p.AsU32Array(), new byte[6]);
        yield return Case("string without NUL", p => p.AsString(), "abc"u8.ToArray());
        yield return Case("empty string list", p => p.AsStringList(), []);
        yield return Case("two strings as one", p => p.AsString(), "a\0b\0"u8.ToArray());

        static TestCaseData Case(string name, Action<FdtProperty> get, byte[] value) =>
            new TestCaseData(get, value).SetName($"Misread: {name}");
    }

    [TestCaseSource(nameof(Misreads))]
    public void Wrong_shapes_throw_InvalidDeviceTree(Action<FdtProperty> get, byte[] value)
    {
        var p = Read(value);

        Should.Throw<LoaderException>(() => get(p)).Code.ShouldBe(LoaderError.InvalidDeviceTree);
    }
}
