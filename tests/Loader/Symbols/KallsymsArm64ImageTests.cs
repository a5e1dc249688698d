using System.Buffers.Binary;
using LoaderHarness.Loader.Symbols;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Symbols;

/// <summary>kallsyms recovered from Debian's raw arm64 Image (fetched by fixtures/fetch-debian-kernels.sh arm64).</summary>
[TestFixture]
[Category("Slow")]
public class KallsymsArm64ImageTests
{
    private static KallsymsTable? _table;

    private static KallsymsTable Table => _table ??= KallsymsReader.TryRead(DebianArm64Kernel.Image()).ShouldNotBeNull();

    [Test]
    public void Recovers_the_code_symbols()
    {
        Table.Symbols.Count.ShouldBeGreaterThan(20_000);
        foreach (var name in new[] { "primary_entry", "preserve_boot_args", "__primary_switched", "start_kernel", "setup_arch", "rest_init", "panic" })
            Table.ImageOffsetOf(name).ShouldNotBeNull(name);
    }

    [Test]
    public void Primary_entry_is_where_the_header_branches()
    {
        // booting.rst §3: code1 at offset 4 is "b primary_entry" (imm26 in words).
        var code1 = BinaryPrimitives.ReadUInt32LittleEndian(DebianArm64Kernel.Image().AsSpan(4));
        var target = 4 + (ulong)(((int)(code1 << 6)) >> 4);
        Table.ImageOffsetOf("primary_entry").ShouldBe(target);
        Table.Symbols.Describe(Table.ImageBase!.Value + target + 8).ShouldBe("primary_entry+0x8");
    }

    [Test]
    public void Link_address_is_kimage_vaddr()
    {
        // 4 KiB pages, 48-bit VA: KIMAGE_VADDR = MODULES_END = _PAGE_END(48) + 128 MiB (arch/arm64/include/asm/memory.h).
        Table.ImageBase.ShouldBe(0xFFFF_8000_0800_0000UL);
    }

    [Test]
    public void A_table_kept_on_disk_gives_the_image_base_the_scan_gave()
    {
        // What a second run reads from the kallsyms cache: the table's bytes, without its layout.
        var kept = SymbolTableFile.TryRead(SymbolTableFile.Write(Table.Symbols)).ShouldNotBeNull();
        var again = KallsymsReader.ForImage(kept, DebianArm64Kernel.Image());

        again.ImageBase.ShouldBe(Table.ImageBase);
        again.Layout.ShouldBeNull();
        again.ImageOffsetOf("__primary_switched").ShouldBe(Table.ImageOffsetOf("__primary_switched"));
    }

    [Test]
    public void Returns_null_without_kallsyms()
    {
        var image = File.ReadAllBytes(Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", "arm64", "arm64-stub.Image"));
        KallsymsReader.TryRead(image).ShouldBeNull();
    }
}
