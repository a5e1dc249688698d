namespace LoaderHarness.Emulator.Devices.Pci;

/// <summary>
/// The PCI functions of QEMU 7.2 <c>-M pc -nodefaults</c> (hw/i386/pc_piix.c pc_init1) as SeaBIOS 1.16 leaves them
/// when it hands over to the kernel (src/fw/pciinit.c): the i440FX host bridge at 00:00.0, the PIIX3 ISA bridge at
/// 00:01.0, its IDE function at 00:01.1 and the PIIX4 power-management function at 00:01.3. A live QEMU's
/// configuration space, read through 0xCF8/0xCFC by a guest started after SeaBIOS, holds exactly these bytes
/// (tests/Emulator/Devices/Pci). Every function carries QEMU's subsystem IDs (hw/pci/pci.c pci_init: 0x1AF4, 0x1100)
/// and SeaBIOS's command bits (pciinit.c pci_bios_init_device: I/O, memory and SERR# enabled). The registers are
/// state only: moving a BAR, the PM base or a PIRQ route, or changing the PAM and SMRAM registers, changes what reads
/// back, not where a device answers (nothing here needs it: Linux keeps SeaBIOS's assignments).
/// </summary>
public static class QemuPcPci
{
    /// <summary>include/hw/pci/pci.h PCI_VENDOR_ID_INTEL, PCI_SUBVENDOR_ID_REDHAT_QUMRANET, PCI_SUBDEVICE_ID_QEMU.</summary>
    private const ushort Intel = 0x8086, QemuSubsystemVendor = 0x1AF4, QemuSubsystem = 0x1100;

    /// <summary>pciinit.c pci_bios_init_device.</summary>
    private const ushort SeaBiosCommand = PciFunction.CommandIo | PciFunction.CommandMemory | PciFunction.CommandSerr;

    /// <summary>The IDE function's bus-master DMA BAR: 16 ports (hw/ide/piix.c bmdma_bar), at SeaBIOS's first I/O address (pciinit.c: 0xC000).</summary>
    public const uint IdeBusMasterPort = 0xC000;

    /// <summary>SeaBIOS's SMBus base in the PIIX4 PM function (pciinit.c piix4_pm_setup: PORT_SMB_BASE 0x700).</summary>
    public const uint SmbusBase = 0x700;

    /// <summary>The host bridge with the four functions for a guest of <paramref name="ramBytes"/>, its PM block at <paramref name="pmBase"/>.</summary>
    public static PciHostBridge Build(ulong ramBytes, ushort pmBase) => new PciHostBridge()
        .Add(0, 0, HostBridge(ramBytes))
        .Add(1, 0, IsaBridge())
        .Add(1, 1, Ide())
        .Add(1, 3, PowerManagement(pmBase));

    /// <summary>hw/pci-host/i440fx.c: the 82441FX, revision 2, class 0x0600 (host bridge).</summary>
    private static PciFunction HostBridge(ulong ramBytes) => Common(new PciFunction(Intel, 0x1237, 0x02, 0x06_0000, 0x00))
        // i440fx.c i440fx_init: I440FX_COREBOOT_RAM_SIZE (0x57) holds the RAM in 8 MiB units, at most 255.
        .Set8(0x57, (byte)Math.Min(ramBytes >> 23, 255))
        // The PAM registers 0x59–0x5F after SeaBIOS's make_bios_readonly (src/fw/shadow.c): the BIOS at 0xF0000 read-only
        // (0x10), 0xC0000–0xEFFFF RAM read-write (0x11 a pair of 16 KiB segments), 0xE8000–0xEFFFF with the BIOS code (0x33).
        .Set8(0x59, 0x10).Set8(0x5A, 0x11).Set8(0x5B, 0x11).Set8(0x5C, 0x11).Set8(0x5D, 0x11).Set8(0x5E, 0x11).Set8(0x5F, 0x33)
        // SMRAM (0x72): C_BASE_SEG (0x02, i440fx.c reset) with G_SMRAME (0x08), as SeaBIOS's smm_setup leaves it.
        .Set8(0x72, 0x0A);

    /// <summary>hw/isa/piix3.c: the 82371SB ISA bridge, class 0x0601, multi-function (header type 0x80), DEVSEL medium.</summary>
    private static PciFunction IsaBridge() => Common(new PciFunction(Intel, 0x7000, 0x00, 0x06_0100, 0x80))
        .Set16(0x06, 0x0200)
        // piix3.c piix3_reset: IORT 0x4D, XBCS 0x03, TOM 0x02, MBIRQ0 0x80, MBDMA 0x0C 0x0C, PCSC 0x02, SMICNTL 0x08, 0xA8 0x0F.
        .Set8(0x4C, 0x4D).Set8(0x4E, 0x03).Set8(0x69, 0x02).Set8(0x70, 0x80).Set8(0x76, 0x0C).Set8(0x77, 0x0C)
        .Set8(0x78, 0x02).Set8(0xA0, 0x08).Set8(0xA8, 0x0F)
        // PIRQRC[A-D] (0x60–0x63): SeaBIOS's pciinit.c piix_isa_bridge_setup routes PIRQ A and B to IRQ 10, C and D to
        // IRQ 11 (pci_irqs[] = {10, 10, 11, 11}); the DSDT's LNKA–LNKD report these.
        .Set32(0x60, 0x0B0B_0A0A);

    /// <summary>hw/ide/piix.c: the PIIX3 IDE function (82371SB), class 0x0101, programming interface 0x80 (bus master, both channels in compatibility mode).</summary>
    private static PciFunction Ide() => Common(new PciFunction(Intel, 0x7010, 0x00, 0x01_0180, 0x00))
        .Set16(0x06, 0x0280)
        .IoBar(4, 16, IdeBusMasterPort)
        // pciinit.c piix_ide_setup: IDETIM of both channels with the decode enable bit 15.
        .Set16(0x40, 0x8000).Set16(0x42, 0x8000);

    /// <summary>hw/acpi/piix4.c: the 82371AB power-management function, revision 3, class 0x0680, interrupt pin A.</summary>
    private static PciFunction PowerManagement(ushort pmBase) => Common(new PciFunction(Intel, 0x7113, 0x03, 0x06_8000, 0x00))
        .Set16(0x06, 0x0280)
        // piix4.c piix4_pm_realize: interrupt pin A; SeaBIOS routes the SCI to IRQ 9 (pciinit.c piix4_pm_setup), the FADT's SCI_INT.
        .Set8(PciFunction.InterruptPin, 0x01).Set8(PciFunction.InterruptLine, 9)
        // piix4.c: 0x5B 0x02 (SMM marked initialised, as SeaBIOS's smm_setup leaves it too); piix4_pm_machine_ready's
        // device-resource enables for what the machine has: 0x5F 0x10 (no LPT at 0x378), 0x63 0x60, 0x67 0x08 (COM1 at 0x3F8, no COM2).
        .Set8(0x5B, 0x02).Set8(0x5F, 0x10).Set8(0x63, 0x60).Set8(0x67, 0x08)
        // pciinit.c piix4_pm_setup: PMBA with its I/O-space bit, PMREGMISC's enable, SMBBA with its bit, SMBHSTCFG 0x09.
        .Set32(0x40, (uint)pmBase | 1).Set8(0x80, 0x01).Set32(0x90, SmbusBase | 1).Set8(0xD2, 0x09);

    private static PciFunction Common(PciFunction function) => function
        .Set16(PciFunction.Command, SeaBiosCommand)
        .Set16(PciFunction.SubsystemVendorId, QemuSubsystemVendor)
        .Set16(PciFunction.SubsystemVendorId + 2, QemuSubsystem);
}
