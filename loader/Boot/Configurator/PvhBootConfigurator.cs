using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Loader.Boot.Configurator;

/// <summary>
/// The PVH configurator (linux-loader v0.14 configurator::pvh::PvhBootConfigurator): the header is an
/// <c>hvm_start_info</c>, the sections its memory map (<c>hvm_memmap_table_entry</c>s, required) and the modules
/// its modlist (<c>hvm_modlist_entry</c>s, optional). Checks run in the peer's order; nothing is written unless
/// all pass (the peer writes the memory map before checking start_info).
/// </summary>
public sealed class PvhBootConfigurator : IBootConfigurator
{
    /// <summary>Writes the memory map, start_info and modlist.</summary>
    /// <exception cref="BootConfiguratorException">
    /// MemmapTableMissing, MemmapTableAddressMissing, MemmapTablePastRamEnd, MemmapTableSetup, StartInfoPastRamEnd,
    /// StartInfoSetup, ModulesAddressMissing or ModulesSetup.
    /// </exception>
    public static void WriteBootParams(BootParams bootParams, GuestMemory memory)
    {
        ArgumentNullException.ThrowIfNull(bootParams);
        ArgumentNullException.ThrowIfNull(memory);
        var memmap = bootParams.Sections ?? throw new BootConfiguratorException(BootConfiguratorFailure.MemmapTableMissing);
        var memmapStart = bootParams.SectionsStart ?? throw new BootConfiguratorException(BootConfiguratorFailure.MemmapTableAddressMissing);
        if (!ConfiguratorRanges.EndsInRam(memory, memmapStart, memmap.Length))
            throw new BootConfiguratorException(BootConfiguratorFailure.MemmapTablePastRamEnd);
        if (!ConfiguratorRanges.Writable(memory, memmapStart, memmap.Length))
            throw new BootConfiguratorException(BootConfiguratorFailure.MemmapTableSetup);
        if (!ConfiguratorRanges.EndsInRam(memory, bootParams.HeaderStart, bootParams.Header.Length))
            throw new BootConfiguratorException(BootConfiguratorFailure.StartInfoPastRamEnd);
        if (!ConfiguratorRanges.Writable(memory, bootParams.HeaderStart, bootParams.Header.Length))
            throw new BootConfiguratorException(BootConfiguratorFailure.StartInfoSetup);
        ulong modulesStart = 0;
        if (bootParams.Modules is { } modules)
        {
            modulesStart = bootParams.ModulesStart ?? throw new BootConfiguratorException(BootConfiguratorFailure.ModulesAddressMissing);
            if (!ConfiguratorRanges.Writable(memory, modulesStart, modules.Length))
                throw new BootConfiguratorException(BootConfiguratorFailure.ModulesSetup);
        }

        memory.Write(memmapStart, memmap);
        memory.Write(bootParams.HeaderStart, bootParams.Header);
        if (bootParams.Modules is { } written)
            memory.Write(modulesStart, written);
    }
}
