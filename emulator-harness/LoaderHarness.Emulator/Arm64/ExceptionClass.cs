namespace LoaderHarness.Emulator.Arm64;

/// <summary>ESR_ELx.EC values the engine raises (Arm ARM DDI 0487, D19.2.37 ESR_EL1).</summary>
internal static class ExceptionClass
{
    public const uint Unknown = 0x00;
    public const uint Wfx = 0x01;
    public const uint Svc = 0x15;
    public const uint Hvc = 0x16;
    public const uint Smc = 0x17;
    public const uint SystemRegister = 0x18;
    public const uint InstructionAbortLower = 0x20;
    public const uint InstructionAbortSame = 0x21;
    public const uint PcAlignment = 0x22;
    public const uint DataAbortLower = 0x24;
    public const uint DataAbortSame = 0x25;
    public const uint SpAlignment = 0x26;
    public const uint Brk = 0x3C;

    /// <summary>Fault status codes (DFSC/IFSC) for 4 KiB-granule faults at a lookup level.</summary>
    public const uint AddressSizeFault = 0b000000;
    public const uint TranslationFault = 0b000100;
    public const uint AccessFlagFault = 0b001000;
    public const uint PermissionFault = 0b001100;
}
