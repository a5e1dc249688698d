using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Images.Image;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Contracts;

/// <summary>
/// What is known about a boot before any guest exists: the architecture, the entry, the VMM profile and the
/// kernel image's kind and header facts. Mutants decide from these whether they apply, so a case is set up
/// only to be run.
/// </summary>
public sealed record CaseFacts
{
    /// <summary>The guest's architecture (the profile's).</summary>
    public required GuestArchitecture Architecture { get; init; }
    /// <summary>The entry the kernel is booted through.</summary>
    public required BootProtocol Protocol { get; init; }
    /// <summary>The VMM whose setup is reproduced.</summary>
    public required VmmProfile Profile { get; init; }
    /// <summary>The kernel image's format.</summary>
    public required ImageFormat Format { get; init; }
    /// <summary>
    /// x86: the boot protocol version the kernel speaks — the bzImage's setup header <c>version</c> (0x206 at
    /// boot.rst's offset 0x206), or 2.12 for a vmlinux, which gets the loader's synthesized header. 0 on arm64.
    /// </summary>
    public ushort ProtocolVersion { get; init; }
    /// <summary>arm64: bytes of the (inflated) Image file; 0 on x86.</summary>
    public ulong ImageFileSize { get; init; }
    /// <summary>arm64: the header's <c>image_size</c> (booting.rst §3: the bytes the kernel owns from its start); 0 on x86.</summary>
    public ulong ImageSize { get; init; }

    /// <summary>The x86 entry mode, or null on arm64.</summary>
    public X86EntryMode? Mode => Architecture == GuestArchitecture.X86_64 ? X86ProfileValues.ModeOf(Protocol) : null;

    /// <summary>Whether the x86 kernel is a vmlinux ELF (as opposed to a bzImage).</summary>
    public bool IsVmlinux => Format == ImageFormat.Elf;

    /// <summary>Whether the boot structure is a zero page (the 32- and 64-bit Linux entries).</summary>
    public bool HasZeroPage => Mode is X86EntryMode.Long64 or X86EntryMode.Protected32;

    /// <summary>The facts of booting <paramref name="image"/> through <paramref name="protocol"/> as <paramref name="profile"/> would.</summary>
    public static CaseFacts Of(KernelImage image, BootProtocol protocol, VmmProfile profile)
    {
        var facts = new CaseFacts
        {
            Architecture = profile.Architecture,
            Protocol = protocol,
            Profile = profile,
            Format = image.Format,
        };
        if (image.BzImage is { } bzImage)
            return facts with { ProtocolVersion = bzImage.Header.Version };
        if (image.Elf is not null)
            return facts with { ProtocolVersion = 0x020C };
        if (image.Image is { } kernel)
            return facts with { ImageFileSize = kernel.FileLength, ImageSize = kernel.Header.ImageSize };
        return facts;
    }
}
