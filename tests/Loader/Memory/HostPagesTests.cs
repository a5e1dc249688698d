using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Memory;

/// <summary>Guest RAM is reserved so that the host can back it with transparent huge pages; other reservations are left as they were.</summary>
[TestFixture]
public sealed unsafe class HostPagesTests
{
    private const ulong Size = 8 * HostPages.HugePageSize + 0x5000;

    [Test]
    public void Guest_ram_starts_on_a_huge_page_and_is_advised_for_huge_pages()
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists(ThpSettings))
            Assert.Ignore("transparent huge pages are Linux's, and this kernel has none");
        using var memory = GuestMemory.Flat(Size);
        var host = memory.TryTranslate(0, out var contiguous);

        ((ulong)host % HostPages.HugePageSize).ShouldBe(0UL);
        contiguous.ShouldBe(Size);
        host[Size - 1] = 1; // the whole reservation is there, however it was trimmed
        Smaps.VmFlags(host).ShouldContain("hg");
    }

    [Test]
    public void A_reservation_without_huge_pages_is_not_advised()
    {
        if (!OperatingSystem.IsLinux())
            Assert.Ignore("madvise(2) is Linux's");
        var p = HostPages.Reserve(Size, "test");
        try
        {
            Smaps.VmFlags(p).ShouldNotContain("hg");
        }
        finally
        {
            HostPages.Release(p, Size);
        }
    }

    [Test]
    public void A_reservation_no_host_can_give_is_a_typed_error_even_with_huge_pages()
    {
        if (!OperatingSystem.IsLinux())
            Assert.Ignore("mmap(2) is Linux's");
        // Sizes where adding the alignment's slack would wrap around 2^64 and ask for a few bytes instead.
        foreach (var size in new[] { ulong.MaxValue, ulong.MaxValue - HostPages.HugePageSize + 1 })
            Should.Throw<LoaderException>(() => HostPages.Reserve(size, "test", hugePages: true)).Code.ShouldBe(LoaderError.HostAllocationFailed);
    }

    private const string ThpSettings = "/sys/kernel/mm/transparent_hugepage";
}
