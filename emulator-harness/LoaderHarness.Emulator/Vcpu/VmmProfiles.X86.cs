using LoaderHarness.Emulator.Vcpu.MultiProcessor;
using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Vcpu;

// The built-in x86 VMM profiles. Every value is the one the VMM's own source files (named on each profile)
// give; "spec" is what boot.rst and the PVH ABI require and nothing more.
public static partial class VmmProfiles
{
    // Descriptor encodings (SDM Vol. 3A §3.4.5): flat 4 GiB, present, DPL 0.
    /// <summary>64-bit code, L = 1 (access 0x9B, flags 0xA).</summary>
    public const ulong Code64 = 0x00AF_9B00_0000_FFFF;
    /// <summary>32-bit code, D = 1 (access 0x9B, flags 0xC).</summary>
    public const ulong Code32 = 0x00CF_9B00_0000_FFFF;
    /// <summary>32-bit read/write data (access 0x93, flags 0xC).</summary>
    public const ulong Data32 = 0x00CF_9300_0000_FFFF;
    /// <summary>Busy 32-bit TSS, base 0, limit 0xFFFFF × 4 KiB (Firecracker gdt.rs for 64-bit boot, crosvm).</summary>
    public const ulong TssFlat = 0x008F_8B00_0000_FFFF;
    /// <summary>Busy 32-bit TSS, base 0, limit 0x67 (the PVH ABI's TR; Firecracker PVH, Cloud Hypervisor).</summary>
    public const ulong Tss67 = 0x0000_8B00_0000_0067;

    /// <summary>Firecracker's page tables: PML4 0x9000, PDPT 0xA000, PD 0xB000 (arch/x86_64/regs.rs).</summary>
    private const ulong PageTables = 0x9000;
    private const ulong GiB = 1UL << 30;

    /// <summary>
    /// MSRs Firecracker and Cloud Hypervisor set at boot (create_boot_msr_entries): the SYSENTER and SYSCALL
    /// MSRs and the TSC zeroed, MISC_ENABLE fast strings, MTRRdefType enabled write-back (0x806).
    /// </summary>
    // Declared before the profiles: static initialisers run in textual order.
    private static readonly Dictionary<uint, ulong> KvmBootMsrs = new()
    {
        [0x174] = 0, [0x175] = 0, [0x176] = 0,
        [0xC000_0081] = 0, [0xC000_0082] = 0, [0xC000_0083] = 0, [0xC000_0084] = 0, [0xC000_0102] = 0,
        [0x10] = 0, [0x1A0] = 1, [0x2FF] = 0x806,
    };

    /// <summary>
    /// boot.rst and the PVH ABI, minimally: documented selectors __BOOT_CS 0x10 / __BOOT_DS 0x18, CR0 with
    /// only PE (and PG for 64-bit), IF = 0, an identity map of the low 4 GiB for the 64-bit entry, no stack.
    /// </summary>
    public static VmmProfile Spec { get; } = new()
    {
        Name = "spec",
        Summary = "boot.rst / PVH ABI minimum: selectors 0x10/0x18, only the required CR0/CR4/EFER bits",
        Source = "Documentation/arch/x86/boot.rst (32-bit, 64-bit boot protocol); xen docs/misc/pvh.pandoc",
        X86 = new X86ProfileValues
        {
            Layout = new X86GuestLayout
            {
                VcpuAreas = [("boot GDT and IDT", 0x500, 0x30), ("boot page tables", PageTables, 0x6000)],
            },
            Entries = new Dictionary<X86EntryMode, X86VcpuValues>
            {
                [X86EntryMode.Real] = RealMode(),
                [X86EntryMode.Protected32] = Documented(Code32, cr0: 0x1),
                [X86EntryMode.Long64] = Documented(Code64, cr0: 0x8000_0001) with
                {
                    Cr4 = 0x20,
                    Efer = 0x500,
                    PageTableAddress = PageTables,
                    IdentityMapSize = 4 * GiB,
                },
                [X86EntryMode.Pvh] = Documented(Code32, cr0: 0x1),
            },
        },
    };

    /// <summary>
    /// Firecracker (src/vmm/src/arch/x86_64/{regs.rs,gdt.rs,layout.rs,mod.rs}): PVH when the ELF has the note, else
    /// 64-bit; the ACPI tables of v1.16.1 (src/vmm/src/acpi), the RSDP at 0xE0000.
    /// </summary>
    public static VmmProfile Firecracker { get; } = new()
    {
        Name = "firecracker",
        Summary = "Firecracker: GDT 0x500 CS 0x08/DS 0x10, 1 GiB identity map, RSP 0x8FF0, zero page 0x7000",
        Source = "firecracker src/vmm/src/arch/x86_64/regs.rs, gdt.rs, layout.rs, mod.rs",
        X86 = new X86ProfileValues
        {
            Layout = new X86GuestLayout { Reserved = [new MemoryMapEntry(0xEEC0_0000, 256UL << 20, MemoryType.Reserved)] },
            LinuxRsdpAddress = Acpi.FirecrackerAcpi.RsdpAddress,
            Acpi = Acpi.FirecrackerAcpi.Build(),
            Entries = new Dictionary<X86EntryMode, X86VcpuValues>
            {
                [X86EntryMode.Long64] = Vmm([0, Code64, Data32, TssFlat], cr0: 0xE000_0011) with
                {
                    Cr4 = 0x20,
                    Efer = 0x500,
                    PageTableAddress = PageTables,
                    IdentityMapSize = GiB,
                    StackPointer = 0x8FF0,
                    FramePointerToo = true,
                },
                [X86EntryMode.Pvh] = Vmm([0, Code32, Data32, Tss67], cr0: 0x11),
            },
            Msrs = KvmBootMsrs,
            MpTable = FirecrackerMpTable,
        },
    };

    /// <summary>
    /// Cloud Hypervisor v53.0 (arch/src/x86_64/{regs.rs,layout.rs,mod.rs}): PVH, or a bzImage at its 32-bit entry; the
    /// MP table and the ACPI tables (vmm/src/acpi.rs), the RSDP at 0xA0000.
    /// </summary>
    public static VmmProfile CloudHypervisor { get; } = new()
    {
        Name = "cloud-hypervisor",
        Summary = "Cloud Hypervisor: PVH or bzImage 32-bit entry, CR0 0x1, no paging, RSDP 0xA0000",
        Source = "cloud-hypervisor v53.0 arch/src/x86_64/regs.rs, layout.rs, mod.rs, mptable.rs; vmm/src/acpi.rs",
        X86 = new X86ProfileValues
        {
            Layout = new X86GuestLayout
            {
                LowRamEnd = 0xA_0000,
                BiosAreaEnd = 0xA_0000,
                Reserved = [new MemoryMapEntry(0xE800_0000, 256UL << 20, MemoryType.Reserved)],
                VcpuAreas = [("boot GDT and IDT", 0x500, 0x28), ("boot stack", 0x8000, 0x1000)],
            },
            LinuxRsdpAddress = Acpi.CloudHypervisorAcpi.RsdpAddress,
            PvhRsdpAddress = Acpi.CloudHypervisorAcpi.RsdpAddress,
            Acpi = Acpi.CloudHypervisorAcpi.Build(),
            AcpiPlatformPorts = (Acpi.CloudHypervisorAcpi.ShutdownPort, Acpi.CloudHypervisorAcpi.PmTimerPort),
            Entries = new Dictionary<X86EntryMode, X86VcpuValues>
            {
                [X86EntryMode.Protected32] = Vmm([0, Code32, Data32, Tss67], cr0: 0x1) with { StackPointer = 0x8FF0 },
                [X86EntryMode.Pvh] = Vmm([0, Code32, Data32, Tss67], cr0: 0x1),
            },
            Msrs = KvmBootMsrs,
            MpTable = CloudHypervisorMpTable,
            Smbios = (_, _) => Smbios.VmmSmbios.CloudHypervisor(),
        },
    };

    /// <summary>
    /// crosvm (x86_64/src/{lib.rs,regs.rs,bzimage.rs}): documented selectors at GDT 0x1500, 4 GiB identity
    /// map, RNG seed, its MP table (mptable.rs). It loads a bzImage's protected-mode part at 0x200000 whatever code32_start says. Not
    /// reproduced: crosvm's refusal of ELF segments below 2 MiB (the loader's floor stays 1 MiB).
    /// </summary>
    public static VmmProfile Crosvm { get; } = new()
    {
        Name = "crosvm",
        Summary = "crosvm: GDT 0x1500 CS 0x10/DS 0x18, 4 GiB identity map, RSP 0x8000, kernel at 2 MiB, SETUP_RNG_SEED",
        Source = "crosvm x86_64/src/lib.rs, regs.rs, bzimage.rs, mptable.rs, acpi.rs",
        X86 = new X86ProfileValues
        {
            Layout = new X86GuestLayout
            {
                LowRamEnd = 0xA_0000,
                BiosAreaEnd = 0x10_0000,
                Reserved =
                [
                    new MemoryMapEntry(0xF400_0000, 0x400_0000, MemoryType.Reserved),
                    new MemoryMapEntry(0xFEFF_C000, 0x4000, MemoryType.Reserved),
                ],
                VcpuAreas = [("boot GDT and IDT", 0x1500, 0x30), ("boot page tables", PageTables, 0x6000)],
            },
            RngSeedSize = 256,
            BzImageLoadAddress = 0x20_0000,
            MpTable = CrosvmMpTable,
            Smbios = (_, _) => Smbios.VmmSmbios.Crosvm(),
            // acpi.rs create_acpi_tables at ACPI_HI_RSDP_WINDOW_BASE; crosvm passes no RSDP address, the kernel scans for it.
            Acpi = Acpi.CrosvmAcpi.Build(),
            AcpiPmBlockPort = Acpi.CrosvmAcpi.PmIoBase,
            Entries = new Dictionary<X86EntryMode, X86VcpuValues>
            {
                [X86EntryMode.Long64] = Crosvm6(Code64, cr0: 0xC000_0011) with
                {
                    Cr4 = 0x20,
                    Efer = 0x500,
                    PageTableAddress = PageTables,
                    IdentityMapSize = 4 * GiB,
                },
                [X86EntryMode.Protected32] = Crosvm6(Code32, cr0: 0x4000_0011),
            },
            Msrs = KvmBootMsrs,
        },
    };

    /// <summary>
    /// QEMU direct kernel boot on <c>-M pc</c> (hw/i386/x86-common.c, pc-bios/optionrom/linuxboot_dma.c and pvh_main.c):
    /// a bzImage through its real-mode setup at 0x10000, or an ELF with the PVH note through pvh.bin; the e820 is
    /// QEMU's <c>etc/e820</c> as SeaBIOS hands it on (<see cref="QemuPcMemoryMap"/>).
    /// </summary>
    public static VmmProfile Qemu { get; } = new()
    {
        Name = "qemu",
        Summary = "QEMU: bzImage real-mode entry at 0x1020:0000 (SP 0xFFF0), PVH via its option ROM (CS 0x08, CR0 0x1), loader 0xB0",
        Source = "qemu hw/i386/x86-common.c x86_load_linux, pc-bios/optionrom/linuxboot_dma.c, pvh.S",
        X86 = new X86ProfileValues
        {
            TypeOfLoader = 0xB0,
            // x86_load_linux for a 2.02+ bzImage: real_addr 0x10000, cmdline_addr 0x20000 (the layout's default).
            // pvh.bin (pc-bios/optionrom/pvh_main.c) keeps start_info, the modlist and the command line in its own
            // data and takes the memmap from SeaBIOS; their addresses as QEMU 7.2's pvh.bin hands them over (ebx 0x21E0
            // at the PVH entry, read through the gdbstub).
            // hw/i386/kvm/ioapic.c kvm_pc_setup_irq_routing: GSI 0 (the PIT) goes to IOAPIC pin 2, the others to their own pin.
            IsaIoApicPins = [2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
            // QEMU's own I/O APIC, as under TCG (hw/intc/ioapic.c; the live guest's "IOAPIC[0]: … version 32").
            IoApicVersion = Devices.Apic.IoApic.QemuVersion,
            Layout = new X86GuestLayout
            {
                VcpuAreas = [("boot GDT and IDT", 0x500, 0x20)],
                MemoryMap = QemuPcMemoryMap.For,
                StartInfo = 0x21E0,
                Modlist = 0x21C0,
                Memmap = 0x5A8,
                // hw/i386/pc.c pc_machine_class_init: acpi_data_size = 0x20000 + 0x8000; SeaBIOS runs linuxboot_dma.bin.
                QemuAcpiDataSize = 0x2_8000,
                QemuLinuxbootRom = true,
            },
            PvhCommandLine = 0x11C0,
            Entries = new Dictionary<X86EntryMode, X86VcpuValues>
            {
                [X86EntryMode.Real] = RealMode(),
                [X86EntryMode.Pvh] = Vmm([0, Code32, Data32], cr0: 0x1) with { TssSelector = 0 },
            },
            // QEMU's ACPI tables as SeaBIOS installs them, at the top of the RAM below 4 GiB (Acpi.QemuPcAcpi). Neither
            // linuxboot_dma.bin nor pvh.bin passes the RSDP (pvh_main.c search_rsdp looks only at 0xE0000-0xE07FF and
            // the EBDA, not at SeaBIOS's F-segment copy): the kernel scans for it.
            AcpiForMemory = Acpi.QemuPcAcpi.For,
            Piix4PmPort = Acpi.QemuPcAcpi.PmBase,
            // hw/i386/pc.c pc_basic_device_init: the HPET (on by default for pc-i440fx) at HPET_BASE, the DSDT's HPET device.
            Hpet = Acpi.QemuPcDsdt.HpetBase,
            // pc_basic_device_init → pc_superio_init: the i8042 with its keyboard and mouse (hw/input/pckbd.c).
            I8042 = true,
            // pc_piix.c pc_init1: i440FX, PIIX3 with its IDE, and PIIX4 PM on bus 0.
            QemuPcPci = true,
            // QEMU's SMBIOS structures with SeaBIOS's type 0, in the F-segment below the MP table.
            Smbios = Smbios.QemuPcSmbios.For,
            MpTable = SeaBiosMpTable,
        },
    };


    /// <summary>
    /// QEMU 7.2 <c>-M microvm</c> (hw/i386/microvm.c, docs/system/i386/microvm.rst) with its qboot firmware: a vmlinux
    /// with the PVH note through qboot's PVH boot, or a bzImage through its real-mode setup as x86_load_linux lays it
    /// out (x86_load_linux(x86ms, fw_cfg, 0, true): acpi_data_size 0); the e820 is qboot's
    /// (<see cref="QemuMicrovmMemoryMap"/>). The ACPI tables are QEMU's for the default <c>-M microvm</c> (ACPI on) as qboot
    /// installs them (<see cref="Acpi.QemuMicrovmAcpi"/>); the devices are the harness's own, plus the second I/O APIC
    /// the MADT lists.
    /// </summary>
    public static VmmProfile Microvm { get; } = new()
    {
        Name = "microvm",
        Summary = "QEMU microvm: qboot's e820 (ACPI NVS 0xD0000), PVH start_info 0xF31E0, bzImage real-mode entry at 0x1020:0000, loader 0xB0",
        Source = "qemu hw/i386/microvm.c, hw/i386/x86.c x86_load_linux; qboot (pc-bios/qboot.rom) fw_cfg.c",
        X86 = new X86ProfileValues
        {
            TypeOfLoader = 0xB0,
            // qboot's PVH hand-over as QEMU 7.2 -M microvm gave it at the PVH entry (gdbstub): start_info in the F-segment
            // at 0xF31E0 with rsdp_paddr the RSDP it installed, its memmap and the command line below the ACPI tables (with
            // 512 MiB and a 22-byte command line 0xEFBD0 and 0xEFC60, in qboot's ACPI NVS range; QbootPvhBuffers), the
            // modlist on qboot's stack at 0x7B7C.
            // hw/i386/kvm/ioapic.c kvm_pc_setup_irq_routing: GSI 0 (the PIT) goes to IOAPIC pin 2, the others to their own pin.
            IsaIoApicPins = [2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
            // QEMU's own I/O APIC, as under TCG (hw/intc/ioapic.c; the live guest's "IOAPIC[0]: … version 32").
            IoApicVersion = Devices.Apic.IoApic.QemuVersion,
            Layout = new X86GuestLayout
            {
                VcpuAreas = [("boot GDT and IDT", 0x500, 0x20)],
                MemoryMap = QemuMicrovmMemoryMap.For,
                StartInfo = 0xF_31E0,
                Modlist = 0x7B7C,
                Memmap = 0xE_FBD0,
                QemuAcpiDataSize = 0,
                // qboot loads a bzImage itself and places its initrd (linuxboot.c parse_bzimage), and allocates the PVH
                // memmap and command line below its e820 table (QbootPvhBuffers).
                Qboot = true,
                QbootPvhBuffers = true,
                QbootMallocTop = Acpi.QemuMicrovmAcpi.TablesAddress,
            },
            PvhRsdpAddress = Acpi.QemuMicrovmAcpi.RsdpAddress,
            Acpi = Acpi.QemuMicrovmAcpi.Build(),
            SecondIoApic = Acpi.QemuMicrovmAcpi.SecondIoApic,
            MpTable = QbootMpTable,
            // qboot answers the real-mode setup code: E820h only (code16.c int15_handler), CF set for the rest.
            RealModeFirmware = Bios.PcFirmware.Qboot,
            Entries = new Dictionary<X86EntryMode, X86VcpuValues>
            {
                [X86EntryMode.Real] = RealMode(),
                [X86EntryMode.Pvh] = Vmm([0, Code32, Data32], cr0: 0x1) with { TssSelector = 0 },
            },
        },
    };

    /// <summary>The x86 profiles.</summary>
    public static IReadOnlyList<VmmProfile> X86 { get; } = [Spec, Firecracker, CloudHypervisor, Crosvm, Qemu, Microvm];

    /// <summary>The Firecracker / Cloud Hypervisor shape: GDT 0x500, CS 0x08, data 0x10, TR 0x18, IDT 0x520 limit 7.</summary>
    private static X86VcpuValues Vmm(ulong[] gdt, ulong cr0) => new()
    {
        GdtAddress = 0x500, Gdt = gdt, CodeSelector = 0x08, DataSelector = 0x10, TssSelector = 0x18,
        IdtAddress = 0x520, Cr0 = cr0,
    };

    /// <summary>crosvm's six-slot GDT at 0x1500 (code 0x10, data 0x18, a 16-byte TSS at 0x20) and IDT at 0x1528.</summary>
    private static X86VcpuValues Crosvm6(ulong code, ulong cr0) => new()
    {
        GdtAddress = 0x1500, Gdt = [0, 0, code, Data32, TssFlat, 0], CodeSelector = 0x10, DataSelector = 0x18,
        TssSelector = 0x20, IdtAddress = 0x1528, Cr0 = cr0, StackPointer = 0x8000,
    };

    /// <summary>boot.rst's __BOOT_CS 0x10 and __BOOT_DS 0x18 with a PVH-shaped TSS at 0x20, GDT 0x500, IDT 0x528.</summary>
    private static X86VcpuValues Documented(ulong code, ulong cr0) => new()
    {
        GdtAddress = 0x500, Gdt = [0, 0, code, Data32, Tss67], CodeSelector = 0x10, DataSelector = 0x18,
        TssSelector = 0x20, IdtAddress = 0x528, Cr0 = cr0,
    };

    /// <summary>Real mode: no descriptor tables of ours (the IVT at 0 with limit 0x3FF), CR0 = ET.</summary>
    private static X86VcpuValues RealMode() => new()
    {
        GdtAddress = 0, Gdt = [], CodeSelector = 0, DataSelector = 0, TssSelector = 0,
        IdtAddress = 0, IdtLimit = 0x3FF, Cr0 = 0x10,
    };
}
