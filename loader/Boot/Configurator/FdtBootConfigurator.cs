using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Loader.Boot.Configurator;

/// <summary>
/// The device-tree configurator (linux-loader v0.14 configurator::fdt::FdtBootConfigurator): the header is a DTB
/// the VMM built; sections and modules are unused.
/// </summary>
public sealed class FdtBootConfigurator : IBootConfigurator
{
    /// <summary>Writes the DTB at <see cref="BootParams.HeaderStart"/>.</summary>
    /// <exception cref="BootConfiguratorException">FdtPastRamEnd or WriteFdtToMemory.</exception>
    public static void WriteBootParams(BootParams bootParams, GuestMemory memory)
    {
        ArgumentNullException.ThrowIfNull(bootParams);
        ArgumentNullException.ThrowIfNull(memory);
        if (!ConfiguratorRanges.EndsInRam(memory, bootParams.HeaderStart, bootParams.Header.Length))
            throw new BootConfiguratorException(BootConfiguratorFailure.FdtPastRamEnd);
        if (!ConfiguratorRanges.Writable(memory, bootParams.HeaderStart, bootParams.Header.Length))
            throw new BootConfiguratorException(BootConfiguratorFailure.WriteFdtToMemory);
        memory.Write(bootParams.HeaderStart, bootParams.Header);
    }
}
