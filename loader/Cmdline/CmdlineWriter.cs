using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Loader.Cmdline;

/// <summary>
/// Puts a command line into guest memory as the kernel reads it: the text and its NUL terminator
/// (kernel/params.c parses up to the NUL). Counterpart of linux-loader's <c>load_cmdline</c>
/// (src/loader/mod.rs), plus a size limit the caller takes from the boot protocol.
/// </summary>
public static class CmdlineWriter
{
    /// <summary>
    /// Writes <paramref name="cmdline"/> with its NUL at <paramref name="address"/>. An empty line is
    /// written as a lone NUL, as current linux-loader does (test_cmdline_write_end_regresion), so stale
    /// bytes at the address are never read as a command line. Nothing is written if any check fails.
    /// </summary>
    /// <param name="memory">Guest memory to write into.</param>
    /// <param name="address">Guest-physical address of the first byte.</param>
    /// <param name="cmdline">The command line.</param>
    /// <param name="maxBytes">
    /// Most bytes the kernel accepts, NUL included: for x86 <c>cmdline_size + 1</c> (boot.rst: setup header
    /// 0x238 excludes the NUL; 256 before protocol 2.06).
    /// </param>
    /// <returns>How many bytes were written, NUL included.</returns>
    /// <exception cref="LoaderException">
    /// The line's own error if it cannot be rendered (<see cref="KernelCmdline.AsCString"/>);
    /// <see cref="LoaderError.CommandLineOverflow"/> if it is longer than <paramref name="maxBytes"/> or its last byte
    /// lies past the last byte of guest memory (linux-loader CommandLineOverflow);
    /// <see cref="LoaderError.CommandLineCopy"/> if it ends inside guest memory's span but crosses a hole, so the
    /// write would fail (linux-loader CommandLineCopy).
    /// </exception>
    public static int Write(GuestMemory memory, ulong address, KernelCmdline cmdline, ulong maxBytes)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(cmdline);
        var bytes = cmdline.AsCString();
        if ((ulong)bytes.Length > maxBytes)
            throw new LoaderException(LoaderError.CommandLineOverflow,
                $"command line is {bytes.Length} bytes with its NUL but at most {maxBytes} fit at 0x{address:x}");
        // linux-loader load_cmdline: end = address + len - 1 (checked) must not pass guest_mem.last_addr().
        var last = address + (ulong)bytes.Length - 1;
        if (last < address || last > memory.End - 1)
            throw new LoaderException(LoaderError.CommandLineOverflow,
                $"command line [0x{address:x}, +0x{bytes.Length:x}) ends past the last byte of guest memory 0x{memory.End - 1:x}");
        if (!memory.IsRam(address, (ulong)bytes.Length))
            throw new LoaderException(LoaderError.CommandLineCopy,
                $"command line [0x{address:x}, +0x{bytes.Length:x}) crosses a hole in guest RAM; it cannot be written");
        memory.Write(address, bytes);
        return bytes.Length;
    }
}
