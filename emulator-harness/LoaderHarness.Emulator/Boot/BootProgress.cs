namespace LoaderHarness.Emulator.Boot;

/// <summary>How far a long boot run has got, reported between instruction slices.</summary>
/// <param name="Instructions">Instructions executed so far.</param>
/// <param name="Elapsed">Wall time so far.</param>
/// <param name="Phase">What the kernel is doing, as far as the harness can tell ("decompressor", "kernel").</param>
public readonly record struct BootProgress(ulong Instructions, TimeSpan Elapsed, string Phase);
