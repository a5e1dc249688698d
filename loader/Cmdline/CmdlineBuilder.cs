namespace LoaderHarness.Loader.Cmdline;

/// <summary>
/// Turns the command line a user gives (boot args, optionally <c>" -- "</c> and init args) into a checked
/// <see cref="KernelCmdline"/> of an architecture's capacity. Every guest setup (x86 and FDT) builds its
/// line here.
/// </summary>
public static class CmdlineBuilder
{
    /// <summary>x86 COMMAND_LINE_SIZE (arch/x86/include/asm/setup.h): the cap for a kernel whose setup header does not say otherwise.</summary>
    public const int X86Capacity = 2048;
    /// <summary>arm64 COMMAND_LINE_SIZE (arch/arm64/include/uapi/asm/setup.h).</summary>
    public const int Arm64Capacity = 2048;
    /// <summary>riscv COMMAND_LINE_SIZE (arch/riscv/include/uapi/asm/setup.h).</summary>
    public const int Riscv64Capacity = 1024;

    /// <summary>
    /// Splits <paramref name="raw"/> at its first unquoted <c>" -- "</c> and inserts each part, so the result
    /// obeys linux-loader's <c>Cmdline</c> rules (printable ASCII, fits <paramref name="capacity"/> bytes with
    /// its NUL).
    /// </summary>
    /// <exception cref="Errors.LoaderException">The code of the rule the line breaks (see <see cref="KernelCmdline"/>).</exception>
    public static KernelCmdline Build(string raw, int capacity)
    {
        var parsed = KernelCmdline.Parse(raw, capacity);
        var cmdline = new KernelCmdline(capacity);
        if (parsed.BootArgs.Length > 0)
            cmdline.InsertString(parsed.BootArgs);
        if (parsed.InitArgs.Length > 0)
            cmdline.InsertInitArgs(parsed.InitArgs);
        return cmdline;
    }
}
