namespace LoaderHarness.Emulator.Vcpu.Bios;

/// <summary>Which firmware's answers <see cref="PcBios"/> gives the real-mode setup code.</summary>
public enum PcFirmware
{
    /// <summary>SeaBIOS 1.16's, as QEMU <c>-M pc</c> runs it: the BIOS data area, E820h, E801h, 88h, A20, VGA text mode.</summary>
    SeaBios,

    /// <summary>
    /// qboot's, as QEMU 7.2 <c>-M microvm</c> runs it (pc-bios/qboot.rom): only INT 10h teletype and INT 15h E820h
    /// are served, every other call returns with CF set and the registers untouched, and no BIOS data area is written.
    /// </summary>
    Qboot,
}
