using System.Globalization;
using System.Text;
using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Cmdline;

/// <summary>
/// A kernel command line built piece by piece and checked as it grows, with the rules and error codes of
/// rust-vmm linux-loader's <c>Cmdline</c> (src/cmdline/mod.rs). Boot args and init args (what the kernel
/// passes to init, after <c>" -- "</c>) are kept apart and rendered as <c>boot -- init</c>. The capacity
/// counts the NUL terminator, so a line of <c>capacity - 1</c> characters is the longest that fits.
/// </summary>
/// <remarks>
/// Mutable: equality follows the rendered line (as linux-loader's PartialEq does), so do not use an
/// instance as a hash key while it is still being built.
/// </remarks>
public sealed class KernelCmdline : IEquatable<KernelCmdline>
{
    /// <summary>What separates boot args from init args (linux-loader INIT_ARGS_SEPARATOR).</summary>
    public const string InitArgsSeparator = " -- ";

    private const ulong Kib = 1UL << 10;
    private const ulong Mib = Kib << 10;
    private const ulong Gib = Mib << 10;

    private readonly StringBuilder _bootArgs = new();
    private readonly StringBuilder _initArgs = new();

    /// <summary>An empty command line of <paramref name="capacity"/> bytes, NUL terminator included.</summary>
    /// <exception cref="LoaderException"><see cref="LoaderError.InvalidCapacity"/> if the capacity is not positive.</exception>
    public KernelCmdline(int capacity)
    {
        CheckCapacity(capacity);
        Capacity = capacity;
    }

    /// <summary>Most bytes the rendered line may take, NUL terminator included.</summary>
    public int Capacity { get; }

    /// <summary>The boot args (what the kernel parses), without the init args.</summary>
    public string BootArgs => _bootArgs.ToString();

    /// <summary>The init args (after <c>" -- "</c>), without the separator.</summary>
    public string InitArgs => _initArgs.ToString();

    /// <summary>
    /// Builds a command line from raw text of the form <c>boot args</c> or <c>boot args -- init args</c>.
    /// The first <c>" -- "</c> not inside double quotes splits the two; both parts are trimmed. Like
    /// linux-loader's <c>Cmdline::try_from</c>, characters are not validated here (an interior NUL fails
    /// later, in <see cref="AsCString"/>) and a line too long for the capacity is
    /// <see cref="LoaderError.InvalidCapacity"/>, not <see cref="LoaderError.CommandLineTooLarge"/>.
    /// </summary>
    public static KernelCmdline Parse(string raw, int capacity)
    {
        ArgumentNullException.ThrowIfNull(raw);
        CheckCapacity(capacity);

        var (boot, init) = Split(raw);
        boot = boot.Trim();
        init = init.Trim();

        long size = ByteCount(boot) + 1;
        if (init.Length > 0)
            size += InitArgsSeparator.Length + ByteCount(init);
        if (size > capacity)
            throw new LoaderException(LoaderError.InvalidCapacity,
                $"command line needs {size} bytes with its NUL but the capacity is {capacity}");

        var cmdline = new KernelCmdline(capacity);
        cmdline._bootArgs.Append(boot);
        cmdline._initArgs.Append(init);
        return cmdline;
    }

    /// <summary>
    /// An independent copy with the same capacity, boot args and init args (linux-loader's <c>Cmdline</c> derives
    /// <c>Clone</c> since v0.5): a VMM can keep a base line and extend copies of it per guest.
    /// </summary>
    public KernelCmdline Clone()
    {
        var copy = new KernelCmdline(Capacity);
        copy._bootArgs.Append(_bootArgs);
        copy._initArgs.Append(_initArgs);
        return copy;
    }

    /// <summary>Appends <c>key=value</c> to the boot args.</summary>
    /// <exception cref="LoaderException">
    /// <see cref="LoaderError.InvalidAscii"/>, <see cref="LoaderError.HasSpace"/> or
    /// <see cref="LoaderError.HasEquals"/> for a bad key; <see cref="LoaderError.InvalidAscii"/>,
    /// <see cref="LoaderError.InvalidQuote"/> or <see cref="LoaderError.NoQuoteSpace"/> for a bad value;
    /// <see cref="LoaderError.CommandLineTooLarge"/> if it does not fit.
    /// </exception>
    public void Insert(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        CmdlineRules.CheckKey(key);
        CmdlineRules.CheckValue(key, value);
        InsertString($"{key}={value}");
    }

    /// <summary>Appends <c>key=value1,value2,…</c> to the boot args.</summary>
    /// <exception cref="LoaderException">
    /// As <see cref="Insert"/>, plus <see cref="LoaderError.MissingValue"/> when no value is given.
    /// </exception>
    public void InsertMultiple(string key, params IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(values);
        CmdlineRules.CheckKey(key);
        if (values.Count == 0)
            throw new LoaderException(LoaderError.MissingValue, $"key \"{key}\" was given no values");
        foreach (var value in values)
            CmdlineRules.CheckValue(key, value);
        InsertString($"{key}={string.Join(',', values)}");
    }

    /// <summary>
    /// Appends raw text to the boot args, after a space if there already are some. The text is trimmed
    /// and must then be printable ASCII; it is not split into key and value.
    /// </summary>
    /// <exception cref="LoaderException">
    /// <see cref="LoaderError.InvalidAscii"/> or <see cref="LoaderError.CommandLineTooLarge"/>.
    /// </exception>
    public void InsertString(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var s = raw.Trim();
        CmdlineRules.CheckPrintable(s, $"boot arg \"{s}\"");
        CheckFits(s.Length + (_bootArgs.Length > 0 ? 1 : 0), $"boot arg \"{s}\"");
        if (_bootArgs.Length > 0)
            _bootArgs.Append(' ');
        _bootArgs.Append(s);
    }

    /// <summary>
    /// Appends raw text to the init args (rendered after <c>" -- "</c>), after a space if there already
    /// are some. The text is trimmed and must then be printable ASCII.
    /// </summary>
    /// <exception cref="LoaderException">
    /// <see cref="LoaderError.InvalidAscii"/> or <see cref="LoaderError.CommandLineTooLarge"/>.
    /// </exception>
    public void InsertInitArgs(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var s = raw.Trim();
        CmdlineRules.CheckPrintable(s, $"init arg \"{s}\"");
        CheckFits(s.Length + (_initArgs.Length > 0 ? 1 : InitArgsSeparator.Length), $"init arg \"{s}\"");
        if (_initArgs.Length > 0)
            _initArgs.Append(' ');
        _initArgs.Append(s);
    }

    /// <summary>
    /// Appends <c>virtio_mmio.device=&lt;size&gt;@0x&lt;base&gt;:&lt;irq&gt;[:&lt;id&gt;]</c>
    /// (Documentation/admin-guide/kernel-parameters.txt), the size with a K/M/G suffix when it is a whole
    /// number of KiB/MiB/GiB. Call once per device.
    /// </summary>
    /// <exception cref="LoaderException">
    /// <see cref="LoaderError.MmioSize"/> for a zero size; <see cref="LoaderError.CommandLineTooLarge"/>.
    /// </exception>
    public void AddVirtioMmioDevice(ulong size, ulong baseAddress, uint irq, uint? id = null)
    {
        if (size == 0)
            throw new LoaderException(LoaderError.MmioSize,
                $"virtio-mmio device at 0x{baseAddress:x} has size 0: a device needs a non-empty MMIO slot");
        var device = string.Create(CultureInfo.InvariantCulture,
            $"virtio_mmio.device={FormatSize(size)}@0x{baseAddress:x}:{irq}");
        if (id is { } platformId)
            device += string.Create(CultureInfo.InvariantCulture, $":{platformId}");
        InsertString(device);
    }

    /// <summary>
    /// The bytes to put in guest memory: the rendered line and its NUL terminator (linux-loader
    /// <c>as_cstring().as_bytes_with_nul()</c>; the kernel reads the line up to the NUL).
    /// </summary>
    /// <exception cref="LoaderException">
    /// <see cref="LoaderError.NoBootArgsInserted"/> when there are init args but no boot args;
    /// <see cref="LoaderError.NullTerminator"/> when the line holds a NUL (only possible via <see cref="Parse"/>).
    /// </exception>
    public byte[] AsCString()
    {
        if (_bootArgs.Length == 0 && _initArgs.Length > 0)
            throw new LoaderException(LoaderError.NoBootArgsInserted,
                $"init args \"{_initArgs}\" need at least one boot arg before \"{InitArgsSeparator.Trim()}\"");
        var line = ToString();
        var nul = line.IndexOf('\0', StringComparison.Ordinal);
        if (nul >= 0)
            throw new LoaderException(LoaderError.NullTerminator,
                $"command line has a NUL at index {nul}: the kernel would stop reading there");
        var bytes = new byte[Encoding.UTF8.GetByteCount(line) + 1];
        Encoding.UTF8.GetBytes(line, bytes);
        return bytes;
    }

    /// <summary>
    /// The line as text without the NUL: boot args, then <c>" -- "</c> and the init args if there are any.
    /// Unlike <see cref="AsCString"/> it never fails, so it is safe for diagnostics.
    /// </summary>
    public override string ToString()
        => _initArgs.Length == 0 ? _bootArgs.ToString() : $"{_bootArgs}{InitArgsSeparator}{_initArgs}";

    /// <summary>
    /// Whether both lines render to the same bytes, or both fail to render with the same error
    /// (linux-loader's PartialEq compares <c>as_cstring()</c> results). Capacity does not matter.
    /// </summary>
    public bool Equals(KernelCmdline? other)
    {
        if (other is null)
            return false;
        var (mine, myError) = TryRender();
        var (theirs, theirError) = other.TryRender();
        return myError == theirError && mine == theirs;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as KernelCmdline);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var (line, error) = TryRender();
        return HashCode.Combine(line, error);
    }

    private (string? Line, LoaderError? Error) TryRender()
    {
        try
        {
            return (Encoding.UTF8.GetString(AsCString()), null);
        }
        catch (LoaderException e)
        {
            return (null, e.Code);
        }
    }

    private static void CheckCapacity(int capacity)
    {
        if (capacity <= 0)
            throw new LoaderException(LoaderError.InvalidCapacity,
                $"capacity {capacity} must be at least 1 (it counts the NUL terminator)");
    }

    // Rendered size with the NUL, counting the separator once init args exist (linux-loader
    // get_null_terminated_representation_size); text inserted by the Insert methods is ASCII, so
    // chars are bytes, but Parse keeps whatever it was given.
    private long RenderedSize()
    {
        long size = ByteCount(_bootArgs.ToString()) + 1;
        if (_initArgs.Length > 0)
            size += InitArgsSeparator.Length + ByteCount(_initArgs.ToString());
        return size;
    }

    private void CheckFits(int extra, string what)
    {
        var needed = RenderedSize() + extra;
        if (needed > Capacity)
            throw new LoaderException(LoaderError.CommandLineTooLarge,
                $"{what} would make the command line {needed} bytes with its NUL; capacity is {Capacity}");
    }

    private static int ByteCount(string s) => Encoding.UTF8.GetByteCount(s);

    // The first separator whose prefix holds an even number of double quotes (i.e. is not inside a quoted
    // value); matches are searched left to right without overlapping, as Rust's str::match_indices does.
    private static (string Boot, string Init) Split(string raw)
    {
        var from = 0;
        while (true)
        {
            var at = raw.IndexOf(InitArgsSeparator, from, StringComparison.Ordinal);
            if (at < 0)
                return (raw, "");
            if (raw.AsSpan(0, at).Count('"') % 2 == 0)
                return (raw[..at], raw[(at + InitArgsSeparator.Length)..]);
            from = at + InitArgsSeparator.Length;
        }
    }

    // linux-loader guestusize_to_str: the largest of G/M/K that divides the size exactly, else plain bytes.
    private static string FormatSize(ulong size)
    {
        var inv = CultureInfo.InvariantCulture;
        if (size % Gib == 0)
            return (size / Gib).ToString(inv) + "G";
        if (size % Mib == 0)
            return (size / Mib).ToString(inv) + "M";
        if (size % Kib == 0)
            return (size / Kib).ToString(inv) + "K";
        return size.ToString(inv);
    }
}
