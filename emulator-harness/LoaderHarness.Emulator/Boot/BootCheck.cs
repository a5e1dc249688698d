namespace LoaderHarness.Emulator.Boot;

/// <summary>One contract verdict: what the kernel holds against what the loader gave it.</summary>
/// <param name="Name">What was compared (e.g. <c>boot_command_line</c>).</param>
/// <param name="Passed">Whether they agree.</param>
/// <param name="Expected">What the loader set up, as text.</param>
/// <param name="Actual">What the kernel's memory holds, as text.</param>
public readonly record struct BootCheck(string Name, bool Passed, string Expected, string Actual);
