namespace LoaderHarness.Loader.Boot.Configurator;

/// <summary>
/// Every error variant of linux-loader v0.14's configurators, one for one (configurator/mod.rs Error,
/// x86_64/linux.rs, x86_64/pvh.rs and fdt.rs Error). Several share a <see cref="Errors.LoaderError"/> code; the
/// variant keeps the peer's distinction and its message.
/// </summary>
public enum BootConfiguratorFailure
{
    /// <summary>configurator::MissingStartAddress.</summary>
    MissingStartAddress,
    /// <summary>configurator::Overflow.</summary>
    Overflow,
    /// <summary>configurator::InvalidAddress.</summary>
    InvalidAddress,
    /// <summary>linux::ZeroPagePastRamEnd.</summary>
    ZeroPagePastRamEnd,
    /// <summary>linux::ZeroPageSetup.</summary>
    ZeroPageSetup,
    /// <summary>pvh::MemmapTableAddressMissing.</summary>
    MemmapTableAddressMissing,
    /// <summary>pvh::MemmapTableMissing.</summary>
    MemmapTableMissing,
    /// <summary>pvh::MemmapTablePastRamEnd.</summary>
    MemmapTablePastRamEnd,
    /// <summary>pvh::MemmapTableSetup.</summary>
    MemmapTableSetup,
    /// <summary>pvh::StartInfoPastRamEnd.</summary>
    StartInfoPastRamEnd,
    /// <summary>pvh::StartInfoSetup.</summary>
    StartInfoSetup,
    /// <summary>pvh::ModulesAddressMissing.</summary>
    ModulesAddressMissing,
    /// <summary>pvh::ModulesSetup.</summary>
    ModulesSetup,
    /// <summary>fdt::FDTPastRamEnd.</summary>
    FdtPastRamEnd,
    /// <summary>fdt::WriteFDTToMemory.</summary>
    WriteFdtToMemory,
}
