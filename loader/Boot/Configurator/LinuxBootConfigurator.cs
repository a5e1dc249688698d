using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Loader.Boot.Configurator;

/// <summary>
/// The Linux boot protocol's configurator (linux-loader v0.14 configurator::linux::LinuxBootConfigurator): the
/// header is a <c>boot_params</c> (the zero page) the VMM filled, e820 included; sections and modules are unused.
/// </summary>
public sealed class LinuxBootConfigurator : IBootConfigurator
{
    /// <summary>Writes the zero page at <see cref="BootParams.HeaderStart"/>.</summary>
    /// <exception cref="BootConfiguratorException">ZeroPagePastRamEnd or ZeroPageSetup.</exception>
    public static void WriteBootParams(BootParams bootParams, GuestMemory memory)
    {
        ArgumentNullException.ThrowIfNull(bootParams);
        ArgumentNullException.ThrowIfNull(memory);
        if (!ConfiguratorRanges.EndsInRam(memory, bootParams.HeaderStart, bootParams.Header.Length))
            throw new BootConfiguratorException(BootConfiguratorFailure.ZeroPagePastRamEnd);
        if (!ConfiguratorRanges.Writable(memory, bootParams.HeaderStart, bootParams.Header.Length))
            throw new BootConfiguratorException(BootConfiguratorFailure.ZeroPageSetup);
        memory.Write(bootParams.HeaderStart, bootParams.Header);
    }
}
