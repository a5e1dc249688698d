namespace LoaderHarness.Emulator.X86;

/// <summary>GDTR or IDTR: linear base and limit (SDM Vol. 3A §2.4.1).</summary>
public readonly record struct DescriptorTableRegister(ulong Base, ushort Limit);
