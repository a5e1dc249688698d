using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Loader.Boot.Configurator;

/// <summary>
/// Writes boot parameters built elsewhere into guest memory (linux-loader v0.14 configurator::BootConfigurator).
/// Every range is checked before the first byte is written, so a failure leaves guest memory as it was.
/// </summary>
public interface IBootConfigurator
{
    /// <summary>Writes <paramref name="bootParams"/> into <paramref name="memory"/>.</summary>
    /// <exception cref="Errors.LoaderException">The configurator's error, its message linux-loader's Display text.</exception>
    static abstract void WriteBootParams(BootParams bootParams, GuestMemory memory);
}
