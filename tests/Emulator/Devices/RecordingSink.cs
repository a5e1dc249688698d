using LoaderHarness.Emulator.Devices;

namespace LoaderHarness.Tests.Emulator.Devices;

/// <summary>An interrupt sink that records every level change it hears, per input.</summary>
internal sealed class RecordingSink : IInterruptSink
{
    /// <summary>(input, level) in the order heard.</summary>
    public List<(int Line, bool High)> Changes { get; } = [];

    /// <summary>Rising edges heard on any input.</summary>
    public int RisingEdges => Changes.Count(c => c.High);

    /// <inheritdoc/>
    public void SetLevel(int line, bool high) => Changes.Add((line, high));
}
