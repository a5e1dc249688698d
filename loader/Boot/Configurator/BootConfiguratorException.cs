using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Boot.Configurator;

/// <summary>
/// A configurator's error: its <see cref="BootConfiguratorFailure"/> (the peer's variant), the
/// <see cref="LoaderError"/> code it maps to, and as message the peer's Display text for that variant.
/// </summary>
public sealed class BootConfiguratorException : LoaderException
{
    /// <summary>The error of <paramref name="failure"/>, optionally with what went wrong underneath.</summary>
    public BootConfiguratorException(BootConfiguratorFailure failure, Exception? inner = null)
        : base(CodeOf(failure), MessageOf(failure), inner) => Failure = failure;

    /// <summary>The peer's variant.</summary>
    public BootConfiguratorFailure Failure { get; }

    /// <summary>Which configurator failed (<see cref="BootConfiguratorKind.Any"/> for <see cref="BootParams"/>'s own errors).</summary>
    public BootConfiguratorKind Kind => KindOf(Failure);

    /// <summary>
    /// linux-loader's Display for the wrapping configurator::Error: "Boot Configurator: failed to configure boot
    /// parameter by …" for a configurator's error, the message itself for <see cref="BootParams"/>'s.
    /// </summary>
    public string Summary => Kind switch
    {
        BootConfiguratorKind.Linux => "Boot Configurator: failed to configure boot parameter by Linux Boot protocol.",
        BootConfiguratorKind.Pvh => "Boot Configurator: failed to configure boot parameter by PVH.",
        BootConfiguratorKind.Fdt => "Boot Configurator: failed to configure boot parameter by FDT.",
        _ => Message,
    };

    /// <summary>The <see cref="LoaderError"/> each variant is reported as.</summary>
    public static LoaderError CodeOf(BootConfiguratorFailure failure) => failure switch
    {
        BootConfiguratorFailure.MissingStartAddress => LoaderError.MissingStartAddress,
        BootConfiguratorFailure.Overflow => LoaderError.BootParameterOverflow,
        BootConfiguratorFailure.InvalidAddress => LoaderError.InvalidAddress,
        BootConfiguratorFailure.ZeroPagePastRamEnd or BootConfiguratorFailure.MemmapTablePastRamEnd
            or BootConfiguratorFailure.StartInfoPastRamEnd or BootConfiguratorFailure.FdtPastRamEnd => LoaderError.BootStructurePastRamEnd,
        BootConfiguratorFailure.ZeroPageSetup => LoaderError.BootStructureSetup,
        BootConfiguratorFailure.MemmapTableAddressMissing => LoaderError.MemmapTableAddressMissing,
        BootConfiguratorFailure.MemmapTableMissing => LoaderError.MemmapTableMissing,
        BootConfiguratorFailure.MemmapTableSetup => LoaderError.MemmapTableSetup,
        BootConfiguratorFailure.StartInfoSetup => LoaderError.StartInfoSetup,
        BootConfiguratorFailure.ModulesAddressMissing => LoaderError.ModulesAddressMissing,
        BootConfiguratorFailure.ModulesSetup => LoaderError.ModulesSetup,
        BootConfiguratorFailure.WriteFdtToMemory => LoaderError.WriteFdtToMemory,
        _ => throw new ArgumentOutOfRangeException(nameof(failure), failure, null),
    };

    /// <summary>linux-loader's Display text for each variant (configurator/mod.rs, x86_64/linux.rs, x86_64/pvh.rs, fdt.rs).</summary>
    public static string MessageOf(BootConfiguratorFailure failure) => failure switch
    {
        BootConfiguratorFailure.MissingStartAddress => "Boot Configurator: boot parameter was specified without its starting address in guest memory.",
        BootConfiguratorFailure.Overflow => "Boot Configurator: boot parameter address overflows.",
        BootConfiguratorFailure.InvalidAddress => "Boot Configurator: boot parameter address precedes the starting address.",
        BootConfiguratorFailure.ZeroPagePastRamEnd => "Linux Boot Configurator: the zero page extends past the end of guest memory.",
        BootConfiguratorFailure.ZeroPageSetup => "Linux Boot Configurator: error writing to the zero page of guest memory.",
        BootConfiguratorFailure.MemmapTableAddressMissing => "PVH Boot Configurator: the starting address for the memory map wasn't passed to the boot configurator.",
        BootConfiguratorFailure.MemmapTableMissing => "PVH Boot Configurator: no memory map was passed to the boot configurator.",
        BootConfiguratorFailure.MemmapTablePastRamEnd => "PVH Boot Configurator: the memory map table extends past the end of guest memory.",
        BootConfiguratorFailure.MemmapTableSetup => "PVH Boot Configurator: error writing memory map table to guest memory.",
        BootConfiguratorFailure.StartInfoPastRamEnd => "PVH Boot Configurator: the hvm_start_info structure extends past the end of guest memory.",
        BootConfiguratorFailure.StartInfoSetup => "PVH Boot Configurator: error writing hvm_start_info to guest memory.",
        BootConfiguratorFailure.ModulesAddressMissing => "PVH Boot Configurator: the starting address for the modules descriptions wasn't passed to the boot configurator.",
        BootConfiguratorFailure.ModulesSetup => "PVH Boot Configurator: error writing module descriptions to guest memory.",
        BootConfiguratorFailure.FdtPastRamEnd => "Device Tree Boot Configurator: FDT does not fit in guest memory.",
        BootConfiguratorFailure.WriteFdtToMemory => "Device Tree Boot Configurator: error writing FDT in guest memory.",
        _ => throw new ArgumentOutOfRangeException(nameof(failure), failure, null),
    };

    private static BootConfiguratorKind KindOf(BootConfiguratorFailure failure) => failure switch
    {
        BootConfiguratorFailure.ZeroPagePastRamEnd or BootConfiguratorFailure.ZeroPageSetup => BootConfiguratorKind.Linux,
        BootConfiguratorFailure.FdtPastRamEnd or BootConfiguratorFailure.WriteFdtToMemory => BootConfiguratorKind.Fdt,
        BootConfiguratorFailure.MissingStartAddress or BootConfiguratorFailure.Overflow or BootConfiguratorFailure.InvalidAddress => BootConfiguratorKind.Any,
        _ => BootConfiguratorKind.Pvh,
    };
}
