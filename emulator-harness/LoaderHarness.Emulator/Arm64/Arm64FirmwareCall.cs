namespace LoaderHarness.Emulator.Arm64;

/// <summary>An HVC or SMC the harness answered as firmware.</summary>
/// <param name="Conduit">"hvc" or "smc".</param>
/// <param name="Function">The SMCCC function ID in W0.</param>
/// <param name="Result">What X0 was set to.</param>
/// <param name="Pc">Address of the HVC/SMC.</param>
public readonly record struct Arm64FirmwareCall(string Conduit, uint Function, ulong Result, ulong Pc);
