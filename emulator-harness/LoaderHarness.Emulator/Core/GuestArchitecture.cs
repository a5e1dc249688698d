namespace LoaderHarness.Emulator.Core;

/// <summary>The instruction-set architecture an <see cref="IGuestCpu"/> executes.</summary>
public enum GuestArchitecture
{
    /// <summary>x86 (real, protected and long mode).</summary>
    X86_64,
    /// <summary>AArch64.</summary>
    Arm64,
}
