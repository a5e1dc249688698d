using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Boot;

/// <summary>
/// Boots a real x86-64 Linux kernel set up by <see cref="GuestSetup"/> in the engine, hardware-free, until a
/// kernel symbol is reached (<c>start_kernel</c> by default), then reads back what the kernel accepted from
/// its own memory and judges it against what the loader gave it (boot-contracts §6).
/// <para>
/// A bzImage first runs its own decompressor, which may move the kernel (physical KASLR) and relocate it
/// (virtual KASLR). The run finds the decompressed kernel when the decompressor jumps to a 2 MiB-aligned
/// address with RAX = RIP and RSI = the zero page (compressed/head_64.S: <c>movq %r15, %rsi; jmp *%rax</c>),
/// then watches the symbol's address at every possible 2 MiB virtual offset and accepts the one that maps to
/// the symbol's physical place in the image.
/// </para>
/// </summary>
public static class KernelBoot
{
    /// <summary>Stop points after <c>copy_bootdata</c>, where <c>boot_params</c> and <c>boot_command_line</c> hold what the kernel accepted (§6.4).</summary>
    public static IReadOnlyList<string> ReadbackPoints { get; } = ["x86_64_start_reservations", "start_kernel"];

    /// <summary>Runs the guest in <paramref name="memory"/>, set up as <paramref name="setup"/> says, as <paramref name="options"/> asks.</summary>
    public static BootReport Run(GuestMemory memory, GuestSetupResult setup, KernelBootOptions options)
    {
        if (setup.Protocol is not (BootProtocol.Pvh or BootProtocol.Linux64 or BootProtocol.Linux32))
            throw new LoaderException(LoaderError.UnsupportedEntry, $"the x86 engine boots PVH, 64-bit and 32-bit x86 entries, not {setup.Protocol}");
        if (options.Symbols.AddressOf(options.Until) is null)
            throw new LoaderException(LoaderError.UnknownSymbol, $"stop symbol '{options.Until}' is not in the kernel's symbol table");
        if (options.Symbols.AddressOf("_text") is null)
            throw new LoaderException(LoaderError.UnknownSymbol, "the kernel's symbol table has no _text (is it an x86-64 Linux System.map?)");
        return new BootSession(memory, setup, options).Run();
    }
}
