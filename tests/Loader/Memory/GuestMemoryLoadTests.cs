using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Memory;

/// <summary>
/// <see cref="GuestMemory.Load"/> maps a file's pages into guest RAM copy-on-write where the offsets line up and
/// copies elsewhere; either way the guest sees the file's bytes, the file never sees the guest's writes, and a
/// range that is not RAM leaves memory untouched.
/// </summary>
[TestFixture]
public sealed class GuestMemoryLoadTests
{
    private const int Page = 4096;
    private string _path = null!;
    private byte[] _bytes = null!;

    [SetUp]
    public void WriteFile()
    {
        _bytes = new byte[64 * Page + 123];
        new Random(7).NextBytes(_bytes);
        _path = Path.Combine(Path.GetTempPath(), $"guest-load-{Guid.NewGuid():n}.bin");
        File.WriteAllBytes(_path, _bytes);
    }

    [TearDown]
    public void DeleteFile() => File.Delete(_path);

    [Test]
    public void Aligned_file_bytes_are_mapped_and_read_back_as_the_file()
    {
        using var file = MappedImageFile.Open(_path, _bytes.Length);
        using var memory = GuestMemory.Flat(1 << 20);
        // File offset 100 at guest 0x10064: both 100 bytes past a page, so all but the head and tail is mapped.
        var source = file.Memory[100..];

        var mapped = memory.Load(0x1_0064, source);

        if (OperatingSystem.IsLinux())
            mapped.ShouldBe((ulong)(63 * Page));
        memory.ReadBytes(0x1_0064, source.Length).ShouldBe(_bytes[100..]);
        memory.ReadU8(0x1_0063).ShouldBe((byte)0);
        memory.ReadU8(0x1_0064 + (ulong)source.Length).ShouldBe((byte)0);
    }

    [Test]
    public void Guest_writes_to_mapped_pages_stay_out_of_the_file()
    {
        using (var file = MappedImageFile.Open(_path, _bytes.Length))
        using (var memory = GuestMemory.Flat(1 << 20))
        {
            memory.Load(0x2_0000, file.Memory);
            memory.Fill(0x2_0000, (ulong)_bytes.Length, 0xAA);
            memory.ReadU8(0x2_0000 + 5 * Page).ShouldBe((byte)0xAA);
        }
        File.ReadAllBytes(_path).ShouldBe(_bytes);
    }

    [Test]
    public unsafe void Copying_the_mapped_pages_makes_them_private_with_the_files_bytes()
    {
        if (!OperatingSystem.IsLinux())
            Assert.Ignore("needs Linux's mappings and /proc/self/pagemap");
        using var file = MappedImageFile.Open(_path, _bytes.Length);
        using var memory = GuestMemory.Flat(1 << 20);
        memory.Load(0x2_0000, file.Memory).ShouldBe((ulong)(64 * Page));
        memory.ReadU8(0x2_0000 + 3 * Page); // a read maps the page cache's page
        PageFlags(memory, 0x2_0000 + 3 * Page).ShouldBe(Present | FileOrShared);

        memory.CopyMappedPages([(0, 1 << 20)]);

        for (var page = 0; page < 64; page++)
            PageFlags(memory, 0x2_0000 + (ulong)page * Page).ShouldBe(Present, $"page {page}");
        memory.ReadBytes(0x2_0000, _bytes.Length).ShouldBe(_bytes);
        memory.Fill(0x2_0000, Page, 0xAA);
        File.ReadAllBytes(_path).ShouldBe(_bytes);
    }

    [Test]
    public void Copying_only_the_written_ranges_leaves_the_other_mapped_pages_to_the_file()
    {
        if (!OperatingSystem.IsLinux())
            Assert.Ignore("needs Linux's mappings and /proc/self/pagemap");
        using var file = MappedImageFile.Open(_path, _bytes.Length);
        using var memory = GuestMemory.Flat(1 << 20);
        memory.Load(0x2_0000, file.Memory).ShouldBe((ulong)(64 * Page));

        memory.CopyMappedPages([(0x2_0000 + 4 * Page + 100, 0x2_0000 + 6 * Page - 1)]);

        PageFlags(memory, 0x2_0000 + 3 * Page).ShouldNotBe(Present);
        PageFlags(memory, 0x2_0000 + 4 * Page).ShouldBe(Present);
        PageFlags(memory, 0x2_0000 + 5 * Page).ShouldBe(Present);
        PageFlags(memory, 0x2_0000 + 6 * Page).ShouldNotBe(Present);
        memory.ReadBytes(0x2_0000, _bytes.Length).ShouldBe(_bytes);
    }

    [Test]
    public unsafe void A_mostly_written_huge_page_is_read_onto_a_huge_page_and_the_rest_copied_where_written()
    {
        if (!OperatingSystem.IsLinux())
            Assert.Ignore("needs Linux's mappings and /proc/self/pagemap");
        const ulong huge = HostPages.HugePageSize, at = 2 * huge;
        var path = HugeFile(out var bytes);
        try
        {
            using var file = MappedImageFile.Open(path, bytes.Length);
            using var memory = GuestMemory.Flat(8 * huge);
            memory.Load(at, file.Memory).ShouldBe(2 * huge + 64 * Page);

            // Three quarters of the first huge page, one page of the second.
            memory.CopyMappedPages([(at + 100, at + huge * 3 / 4), (at + huge + 4 * Page, at + huge + 5 * Page - 1)]);

            for (var page = 0UL; page < huge / Page; page++)
                PageFlags(memory, at + page * Page).ShouldBe(Present, $"page {page}");
            var first = memory.TryTranslate(at, out _);
            Smaps.VmFlags(first).ShouldContain("hg");
            if (Smaps.HugePagesOn)
                Smaps.AnonHugePagesKb(first).ShouldBeGreaterThanOrEqualTo(huge / 1024);
            PageFlags(memory, at + huge + 3 * Page).ShouldNotBe(Present);
            PageFlags(memory, at + huge + 4 * Page).ShouldBe(Present);
            PageFlags(memory, at + huge + 5 * Page).ShouldNotBe(Present);
            memory.ReadBytes(at, bytes.Length).ShouldBe(bytes);
            memory.Fill(at, huge, 0xAA);
        }
        finally
        {
            File.ReadAllBytes(path).ShouldBe(bytes);
            File.Delete(path);
        }
    }

    [Test]
    public unsafe void A_huge_page_whose_file_is_gone_is_copied_page_by_page()
    {
        if (!OperatingSystem.IsLinux())
            Assert.Ignore("needs Linux's mappings and /proc/self/pagemap");
        const ulong huge = HostPages.HugePageSize, at = 2 * huge;
        var path = HugeFile(out var bytes);
        try
        {
            using var memory = GuestMemory.Flat(8 * huge);
            using (var file = MappedImageFile.Open(path, bytes.Length))
                memory.Load(at, file.Memory).ShouldBe(2 * huge + 64 * Page);

            memory.CopyMappedPages([(at, at + huge)]); // the file's handle is closed: nothing to read from

            for (var page = 0UL; page < huge / Page; page++)
                PageFlags(memory, at + page * Page).ShouldBe(Present, $"page {page}");
            Smaps.VmFlags(memory.TryTranslate(at, out _)).ShouldNotContain("hg");
            memory.ReadBytes(at, bytes.Length).ShouldBe(bytes);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A file of two huge pages and a bit of random bytes.</summary>
    private static string HugeFile(out byte[] bytes)
    {
        bytes = new byte[2 * (int)HostPages.HugePageSize + 64 * Page + 123];
        new Random(11).NextBytes(bytes);
        var path = Path.Combine(Path.GetTempPath(), $"guest-load-huge-{Guid.NewGuid():n}.bin");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private const ulong Present = Pagemap.Present, FileOrShared = Pagemap.FileOrShared;

    private static unsafe ulong PageFlags(GuestMemory memory, ulong address)
        => Pagemap.Entry(memory.TryTranslate(address, out _)) & (Present | FileOrShared);

    [Test]
    public void Offsets_that_do_not_line_up_are_copied()
    {
        using var file = MappedImageFile.Open(_path, _bytes.Length);
        using var memory = GuestMemory.Flat(1 << 20);

        memory.Load(0x1_0001, file.Memory).ShouldBe(0UL);
        memory.ReadBytes(0x1_0001, _bytes.Length).ShouldBe(_bytes);
    }

    [Test]
    public void Bytes_in_an_array_are_copied()
    {
        using var memory = GuestMemory.Flat(1 << 20);

        memory.Load(0x1_0000, _bytes).ShouldBe(0UL);
        memory.ReadBytes(0x1_0000, _bytes.Length).ShouldBe(_bytes);
    }

    [Test]
    public void A_range_past_ram_fails_and_leaves_memory_untouched()
    {
        using var file = MappedImageFile.Open(_path, _bytes.Length);
        using var memory = GuestMemory.Flat(1 << 20);

        Should.Throw<LoaderException>(() => memory.Load((1 << 20) - 0x1000, file.Memory)).Code.ShouldBe(LoaderError.GuestAddressOutOfRange);
        memory.ReadBytes((1 << 20) - 0x1000, 0x1000).ShouldAllBe(b => b == 0);
    }
}
