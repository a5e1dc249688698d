using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Loader.Setup;

/// <summary>
/// One call that sets up a whole guest for a protocol: kernel, initrd, command line, memory map and
/// boot structure, every range checked before anything is written (vmm-reference's kernel_setup, done
/// all-or-nothing). Returns the entry point and where everything went.
/// </summary>
public static class GuestSetup
{
    /// <summary>Sets up <paramref name="memory"/> as <paramref name="request"/> says.</summary>
    public static GuestSetupResult Run(GuestMemory memory, GuestSetupRequest request)
    {
        var format = ImageDetector.Detect(request.Kernel.Span);
        return format switch
        {
            ImageFormat.Elf or ImageFormat.BzImage => X86GuestSetup.Setup(memory, request, format),
            ImageFormat.Arm64Image or ImageFormat.Arm64ImageGzip or ImageFormat.Riscv64Image => FdtGuestSetup.Setup(memory, request),
            _ => throw new LoaderException(LoaderError.UnknownImageFormat,
                "not an x86_64 ELF, bzImage, arm64 Image (or Image.gz) or riscv64 Image: no known magic number"),
        };
    }
}
