namespace LoaderHarness.Loader.Boot.Configurator;

/// <summary>Which boot configurator reports an error (linux-loader configurator::Error's Linux / Pvh / Fdt arms).</summary>
public enum BootConfiguratorKind
{
    /// <summary>None in particular: the errors of <see cref="BootParams"/> itself.</summary>
    Any,
    /// <summary>The Linux boot protocol (zero page): <see cref="LinuxBootConfigurator"/>.</summary>
    Linux,
    /// <summary>PVH (hvm_start_info, memmap, modlist): <see cref="PvhBootConfigurator"/>.</summary>
    Pvh,
    /// <summary>The device tree: <see cref="FdtBootConfigurator"/>.</summary>
    Fdt,
}
