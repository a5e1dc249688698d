using System.Reflection;
using LoaderHarness.Loader.Images.BzImage;
using NUnit.Framework;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Images.BzImage;

/// <summary>
/// Pins <see cref="SetupHeaderLayout"/> to the table in Documentation/arch/x86/boot.rst ("THE REAL-MODE
/// KERNEL HEADER": Offset/Size, Proto, Name), and checks that <see cref="SetupHeader.Parse"/> and
/// <see cref="SetupHeader.WriteTo"/> put every field exactly there.
/// </summary>
[TestFixture]
public class SetupHeaderLayoutTests
{
    // boot.rst: Offset/Size column, one row per field.
    private static readonly (string Field, int Offset, int Size)[] BootRst =
    [
        (nameof(SetupHeaderLayout.SetupSects), 0x1F1, 1),
        (nameof(SetupHeaderLayout.RootFlags), 0x1F2, 2),
        (nameof(SetupHeaderLayout.SysSize), 0x1F4, 4),
        (nameof(SetupHeaderLayout.RamSize), 0x1F8, 2),
        (nameof(SetupHeaderLayout.VidMode), 0x1FA, 2),
        (nameof(SetupHeaderLayout.RootDev), 0x1FC, 2),
        (nameof(SetupHeaderLayout.BootFlag), 0x1FE, 2),
        (nameof(SetupHeaderLayout.Jump), 0x200, 2),
        (nameof(SetupHeaderLayout.Header), 0x202, 4),
        (nameof(SetupHeaderLayout.Version), 0x206, 2),
        (nameof(SetupHeaderLayout.RealModeSwitch), 0x208, 4),
        (nameof(SetupHeaderLayout.StartSysSeg), 0x20C, 2),
        (nameof(SetupHeaderLayout.KernelVersion), 0x20E, 2),
        (nameof(SetupHeaderLayout.TypeOfLoader), 0x210, 1),
        (nameof(SetupHeaderLayout.LoadFlags), 0x211, 1),
        (nameof(SetupHeaderLayout.SetupMoveSize), 0x212, 2),
        (nameof(SetupHeaderLayout.Code32Start), 0x214, 4),
        (nameof(SetupHeaderLayout.RamdiskImage), 0x218, 4),
        (nameof(SetupHeaderLayout.RamdiskSize), 0x21C, 4),
        (nameof(SetupHeaderLayout.BootsectKludge), 0x220, 4),
        (nameof(SetupHeaderLayout.HeapEndPtr), 0x224, 2),
        (nameof(SetupHeaderLayout.ExtLoaderVer), 0x226, 1),
        (nameof(SetupHeaderLayout.ExtLoaderType), 0x227, 1),
        (nameof(SetupHeaderLayout.CmdLinePtr), 0x228, 4),
        (nameof(SetupHeaderLayout.InitrdAddrMax), 0x22C, 4),
        (nameof(SetupHeaderLayout.KernelAlignment), 0x230, 4),
        (nameof(SetupHeaderLayout.RelocatableKernel), 0x234, 1),
        (nameof(SetupHeaderLayout.MinAlignment), 0x235, 1),
        (nameof(SetupHeaderLayout.XLoadFlags), 0x236, 2),
        (nameof(SetupHeaderLayout.CmdlineSize), 0x238, 4),
        (nameof(SetupHeaderLayout.HardwareSubarch), 0x23C, 4),
        (nameof(SetupHeaderLayout.HardwareSubarchData), 0x240, 8),
        (nameof(SetupHeaderLayout.PayloadOffset), 0x248, 4),
        (nameof(SetupHeaderLayout.PayloadLength), 0x24C, 4),
        (nameof(SetupHeaderLayout.SetupData), 0x250, 8),
        (nameof(SetupHeaderLayout.PrefAddress), 0x258, 8),
        (nameof(SetupHeaderLayout.InitSize), 0x260, 4),
        (nameof(SetupHeaderLayout.HandoverOffset), 0x264, 4),
        (nameof(SetupHeaderLayout.KernelInfoOffset), 0x268, 4),
    ];

    private static IEnumerable<TestCaseData> Fields() => BootRst.Select(f => new TestCaseData(f.Field, f.Offset, f.Size).SetName($"{{m}}({f.Field})"));

    private static int LayoutOffset(string field) =>
        (int)typeof(SetupHeaderLayout).GetField(field, BindingFlags.Public | BindingFlags.Static)!.GetRawConstantValue()!;

    [Test]
    public void Every_field_has_a_row_and_the_rows_tile()
    {
        var declared = typeof(SetupHeaderLayout).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => f.Name).Except([nameof(SetupHeaderLayout.Start), nameof(SetupHeaderLayout.End)]);
        declared.ShouldBe(BootRst.Select(f => f.Field), ignoreOrder: true);
        // The fields follow one another without gaps from 0x1F1 to 0x26C (bootparam.h struct setup_header is packed).
        var at = SetupHeaderLayout.Start;
        foreach (var (_, offset, size) in BootRst)
        {
            offset.ShouldBe(at);
            at += size;
        }
        at.ShouldBe(SetupHeaderLayout.End);
        SetupHeader.Offset.ShouldBe(0x1F1);
        SetupHeader.Size.ShouldBe(0x26C - 0x1F1);
    }

    [TestCaseSource(nameof(Fields))]
    public void Offset_is_boot_rsts(string field, int offset, int size) => LayoutOffset(field).ShouldBe(offset);

    [TestCaseSource(nameof(Fields))]
    public void Write_to_and_parse_use_the_layout(string field, int offset, int size)
    {
        // A header whose only non-zero field is this one, all ones: WriteTo must touch exactly its bytes.
        var property = typeof(SetupHeader).GetProperty(field)!;
        object boxed = new SetupHeader();
        property.SetValue(boxed, Convert.ChangeType(size == 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1, property.PropertyType));
        var header = (SetupHeader)boxed;

        var page = new byte[0x1000];
        header.WriteTo(page);
        for (var i = 0; i < page.Length; i++)
            page[i].ShouldBe(i >= offset && i < offset + size ? (byte)0xFF : (byte)0, $"byte 0x{i:x}");
        SetupHeader.Parse(page).ShouldBe(header);
    }
}
