using System.Diagnostics;
using System.Runtime.InteropServices;
using LoaderHarness.Cli;
using LoaderHarness.Fixtures.Images;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Cli;

/// <summary>
/// Host files a VMM must survive: devices, FIFOs, directories and huge files get one error line and exit 2,
/// read nothing they need not read, and never run the process out of memory.
/// </summary>
[TestFixture]
[NonParallelizable] // measures the whole process's resident memory, which tests running beside it would add to
public sealed class HostileInputFileTests : CliTestFixture
{
    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MkFifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    private static void ShouldFailOnOneLine((int Code, string Out, string Err) result, string expected)
    {
        result.Code.ShouldBe(CliApp.BadInput);
        result.Err.TrimEnd().ShouldNotContain('\n');
        result.Err.ShouldContain(expected);
    }

    private static IEnumerable<string[]> VerbsOn(string path) =>
    [
        ["inspect", path],
        ["load", path],
        ["extract-vmlinux", path, "-o", "/tmp/never-written"],
        ["conform", "--kernel", path],
        ["boot", path],
    ];

    [Test]
    public void Character_device_is_refused_by_every_verb_without_reading_it()
    {
        foreach (var args in VerbsOn("/dev/zero"))
            ShouldFailOnOneLine(Run(args), "error (NotARegularFile): /dev/zero is a character device, not a regular file");
    }

    [Test]
    public void Directory_is_named_as_one_instead_of_access_denied()
    {
        foreach (var args in VerbsOn(Dir))
            ShouldFailOnOneLine(Run(args), $"error (NotARegularFile): {Dir} is a directory, not a file");
    }

    [Test]
    public void Fifo_is_refused_without_blocking_on_open()
    {
        var fifo = Path.Combine(Dir, "fifo");
        MkFifo(fifo, Convert.ToUInt32("600", 8)).ShouldBe(0);
        foreach (var args in VerbsOn(fifo))
            ShouldFailOnOneLine(Run(args), "is a FIFO, not a regular file");
    }

    [Test]
    public void Initrd_and_system_map_go_through_the_same_checks()
    {
        var kernel = Path.Combine(Dir, "bz");
        File.WriteAllBytes(kernel, BzImageWriter.Write(new BzImageSpec()));
        ShouldFailOnOneLine(Run("load", kernel, "--initrd", "/dev/zero"), "/dev/zero is a character device");
        ShouldFailOnOneLine(Run("boot", kernel, "--system-map", Dir), "is a directory");
        ShouldFailOnOneLine(Run("conform", "--kernel", kernel, "--initrd", "/dev/zero"), "/dev/zero is a character device");
    }

    [Test]
    public void Empty_and_missing_files_say_so()
    {
        var empty = Path.Combine(Dir, "empty");
        File.WriteAllBytes(empty, []);
        foreach (var args in VerbsOn(empty))
            ShouldFailOnOneLine(Run(args), $"error (EmptyFile): {empty} is empty");
        var missing = Path.Combine(Dir, "missing");
        ShouldFailOnOneLine(Run("inspect", missing), $"error (NoSuchFile): {missing}: no such file");
    }

    [Test]
    public void Inspect_of_a_two_gigabyte_file_reads_only_its_headers()
    {
        // A sparse 2 GB file: a bzImage whose protected-mode code is followed by 2 GB of trailing bytes.
        var path = Path.Combine(Dir, "huge");
        using (var file = File.Create(path))
        {
            file.Write(BzImageWriter.Write(new BzImageSpec()));
            file.SetLength(2_000_000_000);
        }
        var before = Process.GetCurrentProcess().PeakWorkingSet64;
        var watch = Stopwatch.StartNew();
        var (code, output, _) = Run("inspect", path, "--json");
        code.ShouldBe(0);
        output.ShouldContain("\"fileSize\": 2000000000");
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
        (Process.GetCurrentProcess().PeakWorkingSet64 - before).ShouldBeLessThan(512L << 20);
    }
}
