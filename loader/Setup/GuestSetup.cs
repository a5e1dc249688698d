using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Loader.Setup;

/// <summary>
/// One call that sets up a whole guest for a protocol: kernel, initrd, command line, memory map and
/// boot structure, every range checked before anything is written (vmm-reference's kernel_setup, done
/// all-or-nothing). Returns the entry point and where everything went.
/// </summary>
public static class GuestSetup
{
    /// <summary>
    /// Sets up <paramref name="memory"/> as <paramref name="request"/> says, from the kernel it carries
    /// (already parsed: nothing here detects or parses the file again).
    /// </summary>
    public static GuestSetupResult Run(GuestMemory memory, GuestSetupRequest request) =>
        request.Kernel.IsX86 ? X86GuestSetup.Setup(memory, request) : FdtGuestSetup.Setup(memory, request);
}
