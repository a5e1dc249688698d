namespace LoaderHarness.Loader.Setup;

/// <summary>
/// The 16-bit boot protocol: the kernel's own setup code builds <c>boot_params</c> (with e820 from the
/// BIOS); the loader's part is the setup sectors at the real-mode base with its fields written into their
/// header (boot.rst "Loading the rest of the kernel", "Running the Kernel"; see <see cref="RealModeSetupArea"/>).
/// </summary>
internal static class RealModeSetup
{
    public static X86BootStructure Add(X86BootInputs inputs)
    {
        var request = inputs.Request;
        var area = RealModeSetupArea.Build(request.Kernel.Bytes.Span, inputs.Kernel.Header, request.RealModeBase, inputs.Layout.CommandLine,
            inputs.CommandLine.Length, inputs.Initrd, request.TypeOfLoader, (uint)inputs.Kernel.Kernel.KernelLoad);
        inputs.Plan.Add("real-mode setup", request.RealModeBase, area);
        return new X86BootStructure(request.RealModeBase, area);
    }
}
