using System.Diagnostics;
using System.Text;
using LoaderHarness.Fixtures.Initramfs;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Fixtures.Initramfs;

/// <summary>
/// The newc writer against Documentation/driver-api/early-userspace/buffer-format.rst byte for byte, and
/// round-tripped through Debian's GNU cpio (package cpio), which must list and extract what we wrote.
/// </summary>
[TestFixture]
public sealed class NewcArchiveWriterTests
{
    private static string Ascii(byte[] bytes, int offset, int length) => Encoding.ASCII.GetString(bytes, offset, length);

    [Test]
    public void File_header_is_the_magic_and_thirteen_hex_fields_in_spec_order()
    {
        var writer = new NewcArchiveWriter { ModificationTime = 0x6543_21AB };
        writer.AddFile("init", "hello"u8, 0x1ED);
        var archive = writer.ToArray();

        // buffer-format.rst: c_magic[6] then c_ino, c_mode, c_uid, c_gid, c_nlink, c_mtime, c_filesize,
        // c_maj, c_min, c_rmaj, c_rmin, c_namesize, c_chksum, each 8 hexadecimal ASCII digits.
        Ascii(archive, 0, 110).ShouldBe(
            "070701" + "00000001" + "000081ED" + "00000000" + "00000000" + "00000001" + "654321AB" + "00000005"
            + "00000000" + "00000000" + "00000000" + "00000000" + "00000005" + "00000000");
        // Name "init\0" (5 bytes) after the 110-byte header: 115, padded to 116.
        Ascii(archive, 110, 4).ShouldBe("init");
        archive[114].ShouldBe((byte)0);
        archive[115].ShouldBe((byte)0);
        // Data at 116, 5 bytes, padded to 124 where the trailer starts.
        Ascii(archive, 116, 5).ShouldBe("hello");
        archive.AsSpan(121, 3).ToArray().ShouldAllBe(b => b == 0);
        Ascii(archive, 124, 6).ShouldBe("070701");
    }

    [Test]
    public void Trailer_ends_the_archive_and_the_archive_is_padded_to_512()
    {
        var archive = new NewcArchiveWriter().ToArray();
        // gen_init_cpio's trailer: ino 0, mode 0, uid 0, gid 0, nlink 1, mtime 0, size 0, devices 0,
        // namesize 11 ("TRAILER!!!\0"), chksum 0.
        Ascii(archive, 0, 110).ShouldBe("070701" + "00000000" + "00000000" + "00000000" + "00000000" + "00000001"
            + new string('0', 6 * 8) + "0000000B" + "00000000");
        Ascii(archive, 110, 11).ShouldBe("TRAILER!!!\0");
        archive.Length.ShouldBe(NewcArchiveWriter.BlockSize);
        archive.AsSpan(121).ToArray().ShouldAllBe(b => b == 0);
    }

    [Test]
    public void Device_node_carries_its_number_in_rdevmajor_and_rdevminor()
    {
        var writer = new NewcArchiveWriter();
        writer.AddDirectory("dev");
        writer.AddCharacterDevice("dev/console", 5, 1);
        var archive = writer.ToArray();
        // "dev\0" after the header: 114 -> 116; no data.
        var entry = 116;
        Ascii(archive, entry + 6, 8).ShouldBe("00000002");   // c_ino
        Ascii(archive, entry + 14, 8).ShouldBe("00002180");  // c_mode: S_IFCHR | 0600
        Ascii(archive, entry + 38, 8).ShouldBe("00000001");  // c_nlink
        Ascii(archive, entry + 54, 8).ShouldBe("00000000");  // c_filesize
        Ascii(archive, entry + 62, 16).ShouldBe("0000000000000000"); // c_maj, c_min: the device holding the file
        Ascii(archive, entry + 78, 16).ShouldBe("0000000500000001"); // c_rmaj, c_rmin: the node's own number
        Ascii(archive, entry + 94, 8).ShouldBe("0000000C");  // "dev/console\0"
    }

    [Test]
    public void Every_entry_starts_on_a_four_byte_boundary()
    {
        var writer = new NewcArchiveWriter();
        writer.AddDirectory("a");
        writer.AddFile("a/bc", [1, 2, 3]);
        writer.AddFile("a/defg", [1]);
        writer.AddDirectory("a/hijklm");
        var archive = writer.ToArray();
        var text = Encoding.ASCII.GetString(archive);
        var starts = new List<int>();
        for (var i = text.IndexOf("070701", StringComparison.Ordinal); i >= 0; i = text.IndexOf("070701", i + 1, StringComparison.Ordinal))
            starts.Add(i);
        starts.Count.ShouldBe(5);
        starts.ShouldAllBe(s => s % 4 == 0);
    }

    [TestCase("")]
    [TestCase("/init")]
    [TestCase("dev/")]
    [TestCase("a/../b")]
    [TestCase("TRAILER!!!")]
    [TestCase("missing/parent")]
    public void Rejects_names_the_kernel_could_not_create_in_order(string name) =>
        Should.Throw<ArgumentException>(() => new NewcArchiveWriter().AddFile(name, []));

    [Test]
    public void Rejects_a_duplicate_name_and_entries_after_the_trailer()
    {
        var writer = new NewcArchiveWriter();
        writer.AddDirectory("dev");
        Should.Throw<ArgumentException>(() => writer.AddDirectory("dev"));
        writer.ToArray();
        Should.Throw<InvalidOperationException>(() => writer.AddFile("x", []));
    }

    private static byte[] SampleArchive()
    {
        var writer = new NewcArchiveWriter();
        writer.AddDirectory("dev");
        writer.AddCharacterDevice("dev/console", 5, 1);
        writer.AddDirectory("proc", 0x16D);
        writer.AddFile("init", Enumerable.Range(0, 1001).Select(i => (byte)i).ToArray(), 0x1ED);
        writer.AddDirectory("etc");
        writer.AddFile("etc/hostname", "guest\n"u8);
        return writer.ToArray();
    }

    [Test]
    public void Gnu_cpio_lists_every_entry_with_its_type_mode_and_device()
    {
        var cpio = Prerequisite.RequireTool("cpio", "cpio");
        var listing = RunCpio(cpio, ["-t", "-v", "--quiet"], SampleArchive(), null);
        var lines = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1])
            .ShouldBe(["dev", "dev/console", "proc", "init", "etc", "etc/hostname"]);
        lines[0].ShouldStartWith("drwxr-xr-x");
        lines[1].ShouldStartWith("crw-------");
        lines[1].ShouldContain("5,");
        lines[2].ShouldStartWith("dr-xr-xr-x");
        lines[3].ShouldStartWith("-rwxr-xr-x");
        lines[3].ShouldContain(" 1001 ");
        lines[5].ShouldStartWith("-rw-r--r--");
    }

    [Test]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void Gnu_cpio_extracts_the_files_and_directories_byte_for_byte()
    {
        var cpio = Prerequisite.RequireTool("cpio", "cpio");
        var into = Directory.CreateTempSubdirectory("lh-cpio-");
        try
        {
            // Device nodes need root to extract; the listing test checks the node, this one everything else.
            RunCpio(cpio, ["-i", "--make-directories", "--no-absolute-filenames", "--quiet", "init", "proc", "etc", "etc/hostname", "dev"],
                SampleArchive(), into.FullName);
            File.ReadAllBytes(Path.Combine(into.FullName, "init")).ShouldBe(Enumerable.Range(0, 1001).Select(i => (byte)i).ToArray());
            File.ReadAllText(Path.Combine(into.FullName, "etc", "hostname")).ShouldBe("guest\n");
            File.GetUnixFileMode(Path.Combine(into.FullName, "init")).ShouldBe((UnixFileMode)0x1ED);
            Directory.Exists(Path.Combine(into.FullName, "proc")).ShouldBeTrue();
        }
        finally
        {
            foreach (var directory in Directory.GetDirectories(into.FullName, "*", SearchOption.AllDirectories))
                File.SetUnixFileMode(directory, (UnixFileMode)0x1ED);
            into.Delete(recursive: true);
        }
    }

    private static string RunCpio(string cpio, string[] arguments, byte[] archive, string? workingDirectory)
    {
        var start = new ProcessStartInfo(cpio)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        process.StandardInput.BaseStream.Write(archive);
        process.StandardInput.Close();
        process.WaitForExit();
        process.ExitCode.ShouldBe(0, $"cpio {string.Join(' ', arguments)}: {errors.Result}");
        errors.Result.ShouldBeEmpty();
        return output.Result;
    }
}
