namespace LoaderHarness.Emulator.X86;

/// <summary>The four registers one CPUID leaf returns.</summary>
public readonly record struct CpuIdLeaf(uint Eax, uint Ebx, uint Ecx, uint Edx);
