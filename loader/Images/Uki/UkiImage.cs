using System.Text;
using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Images.Uki;

/// <summary>
/// A unified kernel image (UAPI group, "Unified Kernel Image" specification; systemd's ukify builds them and
/// systemd-stub, src/boot/stub.c, boots them): a PE/COFF file whose sections carry the kernel (<c>.linux</c>,
/// required), and optionally the initrd (<c>.initrd</c>), the command line (<c>.cmdline</c>), the os-release
/// text (<c>.osrel</c>), the kernel release (<c>.uname</c>) and a device tree (<c>.dtb</c>). The stub program in
/// the PE's code sections is never run: the loader unwraps the parts and boots the kernel directly, as
/// systemd-stub would hand them over. The parts are views into the file, not copies.
/// </summary>
public sealed class UkiImage
{
    private UkiImage(PeSectionTable table, ReadOnlyMemory<byte> linux, ReadOnlyMemory<byte>? initrd, string? commandLine,
        string? osRelease, string? uname, ReadOnlyMemory<byte>? dtb)
    {
        Table = table;
        Linux = linux;
        Initrd = initrd;
        CommandLine = commandLine;
        OsRelease = osRelease;
        Uname = uname;
        Dtb = dtb;
    }

    /// <summary>The section table the parts were found by.</summary>
    public PeSectionTable Table { get; }
    /// <summary><c>.linux</c>: the kernel image (a bzImage on x86, an Image or zboot image on arm64).</summary>
    public ReadOnlyMemory<byte> Linux { get; }
    /// <summary><c>.initrd</c>: the initrd, when the UKI carries one.</summary>
    public ReadOnlyMemory<byte>? Initrd { get; }
    /// <summary><c>.cmdline</c>: the command line, tidied as systemd-stub's mangle_stub_cmdline does (see <see cref="TidyCommandLine"/>).</summary>
    public string? CommandLine { get; }
    /// <summary><c>.osrel</c>: the os-release(5) text of the OS the UKI belongs to.</summary>
    public string? OsRelease { get; }
    /// <summary><c>.uname</c>: the kernel release, as <c>uname -r</c> prints it.</summary>
    public string? Uname { get; }
    /// <summary><c>.dtb</c>: a compatible flattened device tree, when the UKI carries one.</summary>
    public ReadOnlyMemory<byte>? Dtb { get; }

    /// <summary>
    /// Whether the file is a UKI: a PE whose section table names a <c>.linux</c> section. A kernel's own EFI
    /// stub (an x86 bzImage or an arm64 Image is also a PE) has no such section, so this never mistakes one.
    /// Only the headers are read (a file's head is enough), and sections are not checked against the file's
    /// length: a UKI whose sections run past its end is still a UKI, and <see cref="Parse"/> says what is wrong.
    /// Never throws.
    /// </summary>
    public static bool IsUki(ReadOnlySpan<byte> file)
    {
        if (!PeSectionTable.IsPe(file))
            return false;
        try
        {
            return PeSectionTable.Parse(file, checkRawData: false).Find(LinuxSection) is not null;
        }
        catch (LoaderException)
        {
            return false;
        }
    }

    /// <summary>Section names from the UKI specification's table of PE sections.</summary>
    public const string LinuxSection = ".linux", InitrdSection = ".initrd", CmdlineSection = ".cmdline",
        OsrelSection = ".osrel", UnameSection = ".uname", DtbSection = ".dtb";

    /// <summary>Finds the parts; each section must lie inside the file.</summary>
    /// <exception cref="LoaderException">
    /// <see cref="LoaderError.InvalidPeImage"/> / <see cref="LoaderError.PeSectionOutsideFile"/> for a bad PE;
    /// <see cref="LoaderError.UkiLinuxSectionMissing"/> without a non-empty <c>.linux</c>;
    /// <see cref="LoaderError.UkiNestedImage"/> when <c>.linux</c> is itself a UKI.
    /// </exception>
    public static UkiImage Parse(ReadOnlyMemory<byte> file)
    {
        var table = PeSectionTable.Parse(file.Span);
        if (table.Find(LinuxSection) is not { } linuxSection || linuxSection.ContentLength == 0)
            throw new LoaderException(LoaderError.UkiLinuxSectionMissing,
                "the PE has no non-empty .linux section, which a unified kernel image must carry (UKI specification)");
        var linux = PeSectionTable.Content(file, linuxSection);
        if (IsUki(linux.Span))
            throw new LoaderException(LoaderError.UkiNestedImage, "the .linux section holds another unified kernel image, not a kernel");
        return new UkiImage(table, linux,
            Bytes(file, table, InitrdSection),
            Text(file, table, CmdlineSection) is { } cmdline ? TidyCommandLine(cmdline) : null,
            Text(file, table, OsrelSection),
            Text(file, table, UnameSection)?.Trim(),
            Bytes(file, table, DtbSection));
    }

    /// <summary>
    /// The command line as systemd-stub passes an embedded <c>.cmdline</c> on: read as a string up to its first
    /// NUL (pe_section_to_str16), control characters turned into spaces and surrounding whitespace dropped
    /// (mangle_stub_cmdline, src/boot/util.c), so ukify's trailing newline or NUL never reaches the kernel.
    /// </summary>
    public static string TidyCommandLine(string raw)
    {
        var text = new StringBuilder(raw.Length);
        foreach (var c in raw)
            text.Append(c < 0x20 || c == 0x7F ? ' ' : c);
        return text.ToString().Trim(' ');
    }

    // The cast matters: a bare null would convert through byte[] to an empty ReadOnlyMemory, not to "no section".
    private static ReadOnlyMemory<byte>? Bytes(ReadOnlyMemory<byte> file, PeSectionTable table, string name) =>
        table.Find(name) is { } section ? PeSectionTable.Content(file, section) : (ReadOnlyMemory<byte>?)null;

    /// <summary>A text section up to its first NUL, as UTF-8 (os-release and the command line are UTF-8 text).</summary>
    private static string? Text(ReadOnlyMemory<byte> file, PeSectionTable table, string name)
    {
        if (Bytes(file, table, name) is not { } bytes)
            return null;
        var span = bytes.Span;
        var end = span.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
    }
}
