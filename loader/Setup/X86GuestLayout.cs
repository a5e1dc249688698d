using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Loader.Setup;

/// <summary>
/// Where an x86 guest's boot pieces go. Defaults are Firecracker's (src/vmm/src/arch/x86_64/layout.rs),
/// which Cloud Hypervisor shares for these addresses.
/// </summary>
public sealed record X86GuestLayout
{
    /// <summary>ZERO_PAGE_START.</summary>
    public ulong ZeroPage { get; init; } = 0x7000;
    /// <summary>PVH_INFO_START.</summary>
    public ulong StartInfo { get; init; } = 0x6000;
    /// <summary>MODLIST_START.</summary>
    public ulong Modlist { get; init; } = 0x6040;
    /// <summary>MEMMAP_START (shares the zero page's address: the protocols exclude each other).</summary>
    public ulong Memmap { get; init; } = 0x7000;
    /// <summary>CMDLINE_START.</summary>
    public ulong CommandLine { get; init; } = 0x2_0000;
    /// <summary>
    /// Bytes the kernel reads from the command line address whatever its length: x86 COMMAND_LINE_SIZE
    /// (arch/x86/include/asm/setup.h; copy_bootdata copies exactly this many).
    /// </summary>
    public ulong CommandLineReadSize { get; init; } = 2048;
    /// <summary>HIMEM_START: kernels must not load below it.</summary>
    public ulong HighMemoryStart { get; init; } = 0x10_0000;
    /// <summary>End of conventional RAM in the memory map (Firecracker SYSTEM_MEM_START, the EBDA).</summary>
    public ulong LowRamEnd { get; init; } = MemoryMapBuilder.EbdaStart;
    /// <summary>End of the reserved BIOS area after it (Firecracker RSDP_ADDR); equal to <see cref="LowRamEnd"/> for none.</summary>
    public ulong BiosAreaEnd { get; init; } = MemoryMapBuilder.BiosAreaEnd;
    /// <summary>Reserved ranges the VMM adds to the map (PCI MMCONFIG and the like), outside RAM.</summary>
    public IReadOnlyList<MemoryMapEntry> Reserved { get; init; } = [];
    /// <summary>
    /// The VMM's own e820 for the guest's RAM, when its firmware builds one <see cref="MemoryMapBuilder.ForX86"/> cannot
    /// express (QEMU's SeaBIOS carves the top of low RAM); null for <see cref="MemoryMapBuilder.ForX86"/> with
    /// <see cref="Reserved"/>, <see cref="LowRamEnd"/> and <see cref="BiosAreaEnd"/>.
    /// </summary>
    public Func<GuestMemory, IReadOnlyList<MemoryMapEntry>>? MemoryMap { get; init; }
    /// <summary>
    /// QEMU's initrd placement (<see cref="QemuInitrdPlacement"/>) with this <c>acpi_data_size</c> (hw/i386/pc.c
    /// <c>pc_machine_class_init</c>: 0x20000 + 0x8000; microvm passes 0) instead of the top of the RAM that holds 1 MiB;
    /// null for the latter (Firecracker's initrd_load_addr).
    /// </summary>
    public ulong? QemuAcpiDataSize { get; init; }
    /// <summary>
    /// With <see cref="QemuAcpiDataSize"/>: whether a bzImage is started by QEMU's linuxboot_dma option ROM under
    /// SeaBIOS, which moves the initrd to the top of memory INT 15h E801 reports (the end of the map's RAM that holds
    /// 1 MiB); false for firmware that keeps QEMU's address (qboot on microvm).
    /// </summary>
    public bool QemuLinuxbootRom { get; init; }
    /// <summary>
    /// With <see cref="QemuAcpiDataSize"/>: whether the firmware is qboot (QEMU <c>-M microvm</c>), which loads a bzImage
    /// itself and puts its initrd below <c>initrd_addr_max</c> and the low RAM's end (qboot linuxboot.c parse_bzimage).
    /// </summary>
    public bool Qboot { get; init; }
    /// <summary>
    /// With <see cref="Qboot"/>: PVH's memmap and command line go where qboot's allocator puts them
    /// (<see cref="QbootPvhBuffers"/>), instead of <see cref="Memmap"/> and <see cref="CommandLine"/>.
    /// </summary>
    public bool QbootPvhBuffers { get; init; }
    /// <summary>
    /// With <see cref="QbootPvhBuffers"/>: where qboot's downward allocator stands when it allocates the e820 table, its
    /// text start 0xF0000 less what it handed out first (QEMU's ACPI tables blob on <c>-M microvm</c> with ACPI).
    /// </summary>
    public ulong QbootMallocTop { get; init; } = Setup.QbootPvhBuffers.Top;
    /// <summary>
    /// Ranges kept free for the vCPU setup (Firecracker layout.rs / gdt.rs): GDT at 0x500 and IDT at
    /// 0x520, the boot stack below BOOT_STACK_POINTER 0x8FF0, and the identity page tables at 0x9000–0xBFFF.
    /// </summary>
    public IReadOnlyList<(string Name, ulong Address, ulong Size)> VcpuAreas { get; init; } =
    [
        ("boot GDT and IDT", 0x500, 0x30),
        ("boot stack", 0x8000, 0x1000),
        ("boot page tables", 0x9000, 0x3000),
    ];
}
