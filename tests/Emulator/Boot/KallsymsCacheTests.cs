using LoaderHarness.Emulator.Boot;
using LoaderHarness.Loader.Symbols;
using LoaderHarness.Tests.Loader.Symbols;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Boot;

/// <summary>
/// The on-disk kallsyms cache: a second run of the same image takes the table from the file without recovering
/// it; another image, a corrupt or truncated file and an unwritable directory all fall back to recovering.
/// </summary>
[TestFixture]
public sealed class KallsymsCacheTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("kallsyms-cache-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private static SymbolTable Recover(ReadOnlyMemory<byte> image) => KallsymsReader.Recover(image.Span);

    [Test]
    public void A_second_run_of_the_same_image_reads_the_table_from_the_cache()
    {
        var image = SymbolTableFileTests.Vmlinux();
        var first = new KallsymsCache(_directory).GetOrRecover(image, Recover);

        var cache = new KallsymsCache(_directory);
        var second = cache.GetOrRecover(image, _ => throw new InvalidOperationException("recovered despite the cache"));

        cache.LastOutcome.ShouldBe(KallsymsCacheOutcome.Hit);
        second.Symbols.ShouldBe(first.Symbols);
        File.Exists(cache.PathFor(image)).ShouldBeTrue();
    }

    [Test]
    public void Storing_beyond_the_bound_drops_the_least_recently_used_tables()
    {
        var image = SymbolTableFileTests.Vmlinux();
        byte[][] images = [image, [.. image, 1], [.. image, 2]]; // bytes past every segment: three images, same symbols
        var cache = new KallsymsCache(_directory) { MaxTables = 2 };
        cache.GetOrRecover(images[0], Recover);
        cache.GetOrRecover(images[1], Recover);
        File.SetLastWriteTimeUtc(cache.PathFor(images[0]), DateTime.UtcNow.AddHours(-2));
        File.SetLastWriteTimeUtc(cache.PathFor(images[1]), DateTime.UtcNow.AddHours(-1));
        cache.GetOrRecover(images[0], Recover); // a hit: images[0] is now the most recently used
        cache.LastOutcome.ShouldBe(KallsymsCacheOutcome.Hit);

        cache.GetOrRecover(images[2], Recover);

        Directory.GetFiles(_directory, "kallsyms-*.bin").Length.ShouldBe(2);
        File.Exists(cache.PathFor(images[0])).ShouldBeTrue();
        File.Exists(cache.PathFor(images[1])).ShouldBeFalse();
        File.Exists(cache.PathFor(images[2])).ShouldBeTrue();
    }

    [Test]
    public void The_first_run_recovers_and_stores_the_table()
    {
        var image = SymbolTableFileTests.Vmlinux();
        var cache = new KallsymsCache(Path.Combine(_directory, "made", "on", "demand"));
        var recovered = 0;

        cache.GetOrRecover(image, i => { recovered++; return Recover(i); }).AddressOf("sym_010").ShouldNotBeNull();

        recovered.ShouldBe(1);
        cache.LastOutcome.ShouldBe(KallsymsCacheOutcome.Miss);
        File.Exists(cache.PathFor(image)).ShouldBeTrue();
    }

    [Test]
    public void Another_image_is_a_miss()
    {
        var image = SymbolTableFileTests.Vmlinux();
        var cache = new KallsymsCache(_directory);
        cache.GetOrRecover(image, Recover);
        byte[] other = [.. image, 0]; // a byte past every segment: another image, the same symbols

        cache.GetOrRecover(other, Recover);

        cache.LastOutcome.ShouldBe(KallsymsCacheOutcome.Miss);
        cache.PathFor(other).ShouldNotBe(cache.PathFor(image));
    }

    [TestCase("flip a payload byte")]
    [TestCase("truncate")]
    [TestCase("empty")]
    [TestCase("another image's file")]
    public void A_corrupt_cache_file_is_recovered_from_the_image_and_rewritten(string damage)
    {
        var image = SymbolTableFileTests.Vmlinux();
        var cache = new KallsymsCache(_directory);
        var expected = cache.GetOrRecover(image, Recover).Symbols;
        var path = cache.PathFor(image);
        var bytes = File.ReadAllBytes(path);
        switch (damage)
        {
            case "flip a payload byte":
                bytes[bytes.Length / 2] ^= 0x40;
                break;
            case "truncate":
                bytes = bytes[..(bytes.Length - 100)];
                break;
            case "empty":
                bytes = [];
                break;
            default:
                byte[] other = [.. image, 0];
                cache.GetOrRecover(other, Recover);
                bytes = File.ReadAllBytes(cache.PathFor(other));
                break;
        }
        File.WriteAllBytes(path, bytes);
        var recovered = 0;

        var table = cache.GetOrRecover(image, i => { recovered++; return Recover(i); });

        recovered.ShouldBe(1);
        cache.LastOutcome.ShouldBe(KallsymsCacheOutcome.Replaced);
        table.Symbols.ShouldBe(expected);
        cache.GetOrRecover(image, _ => throw new InvalidOperationException("the rewritten file was not used"));
        cache.LastOutcome.ShouldBe(KallsymsCacheOutcome.Hit);
    }

    [Test]
    public void A_directory_that_cannot_be_created_only_costs_the_saving()
    {
        var blocker = Path.Combine(_directory, "a-file");
        File.WriteAllText(blocker, "not a directory");
        var cache = new KallsymsCache(Path.Combine(blocker, "cache"));

        cache.GetOrRecover(SymbolTableFileTests.Vmlinux(), Recover).AddressOf("_text").ShouldNotBeNull();

        cache.LastOutcome.ShouldBe(KallsymsCacheOutcome.NotStored);
    }

    [Test]
    public void The_default_directory_follows_xdg_cache_home_else_home()
    {
        static Func<string, string?> Environment(string? xdg, string? home) => name => name == "XDG_CACHE_HOME" ? xdg : name == "HOME" ? home : null;

        KallsymsCache.DirectoryFrom(Environment("/var/tmp/xdg", "/home/someone")).ShouldBe("/var/tmp/xdg/loader-harness");
        KallsymsCache.DirectoryFrom(Environment("relative/ignored", "/home/someone")).ShouldBe("/home/someone/.cache/loader-harness");
        KallsymsCache.DirectoryFrom(Environment("", "/home/someone")).ShouldBe("/home/someone/.cache/loader-harness");
        KallsymsCache.DirectoryFrom(Environment(null, null)).ShouldBeNull();
    }

    [Test]
    public void With_the_file_stamp_a_second_run_takes_the_image_hash_from_the_stamp()
    {
        var image = SymbolTableFileTests.Vmlinux();
        var stamp = new ImageFileStamp(1, 2, (ulong)image.Length, 3, 4);
        var first = new KallsymsCache(_directory) { Stamp = stamp };
        first.GetOrRecover(image, Recover);
        first.LastKeyRemembered.ShouldBeFalse();

        var second = new KallsymsCache(_directory) { Stamp = stamp };
        second.GetOrRecover(image, _ => throw new InvalidOperationException("recovered despite the cache"));

        second.LastOutcome.ShouldBe(KallsymsCacheOutcome.Hit);
        second.LastKeyRemembered.ShouldBeTrue();
    }

    [Test]
    public void A_changed_stamp_or_other_bytes_under_the_same_stamp_hash_the_image_again()
    {
        var image = SymbolTableFileTests.Vmlinux();
        var stamp = new ImageFileStamp(1, 2, (ulong)image.Length, 3, 4);
        new KallsymsCache(_directory) { Stamp = stamp }.GetOrRecover(image, Recover);

        var changed = new KallsymsCache(_directory) { Stamp = stamp with { ChangedNs = 5 } };
        changed.GetOrRecover(image, Recover);
        changed.LastKeyRemembered.ShouldBeFalse();
        changed.LastOutcome.ShouldBe(KallsymsCacheOutcome.Hit);

        byte[] other = [.. image, 0];
        var sameStamp = new KallsymsCache(_directory) { Stamp = stamp };
        sameStamp.GetOrRecover(other, Recover);
        sameStamp.LastKeyRemembered.ShouldBeFalse();
        sameStamp.LastOutcome.ShouldBe(KallsymsCacheOutcome.Miss);
    }

    [Test]
    public void A_corrupt_stamp_file_is_ignored()
    {
        var image = SymbolTableFileTests.Vmlinux();
        var stamp = new ImageFileStamp(1, 2, (ulong)image.Length, 3, 4);
        new KallsymsCache(_directory) { Stamp = stamp }.GetOrRecover(image, Recover);
        foreach (var file in Directory.GetFiles(_directory, "stamp-*"))
            File.WriteAllBytes(file, [1, 2, 3]);

        var cache = new KallsymsCache(_directory) { Stamp = stamp };
        cache.GetOrRecover(image, Recover).AddressOf("sym_001").ShouldNotBeNull();

        cache.LastKeyRemembered.ShouldBeFalse();
        cache.LastOutcome.ShouldBe(KallsymsCacheOutcome.Hit);
    }

    [Test]
    public void A_file_stamp_changes_when_the_file_is_written()
    {
        var path = Path.Combine(_directory, "image");
        File.WriteAllBytes(path, [1, 2, 3]);
        var before = ImageFileStamp.Of(path);
        if (!OperatingSystem.IsLinux())
        {
            before.ShouldBeNull();
            return;
        }
        before.ShouldNotBeNull().Size.ShouldBe(3UL);
        ImageFileStamp.Of(path).ShouldBe(before);

        File.WriteAllBytes(path, [1, 2, 4]);

        ImageFileStamp.Of(path).ShouldNotBe(before);
        ImageFileStamp.Of(Path.Combine(_directory, "missing")).ShouldBeNull();
    }
}
