namespace LoaderHarness.Emulator.Arm64;

/// <summary>What a translation is for: permissions and the fault reported differ.</summary>
internal enum Arm64Access
{
    Read,
    Write,
    Execute,
}
