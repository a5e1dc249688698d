namespace LoaderHarness.Emulator.Devices;

/// <summary>What interrupt lines are wired to: an interrupt controller's inputs, or a CPU's interrupt input.</summary>
public interface IInterruptSink
{
    /// <summary>Input <paramref name="line"/> changed to <paramref name="high"/>. Called only on changes.</summary>
    void SetLevel(int line, bool high);
}
