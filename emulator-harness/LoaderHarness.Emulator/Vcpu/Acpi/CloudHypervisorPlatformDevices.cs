namespace LoaderHarness.Emulator.Vcpu.Acpi;

/// <summary>
/// Where Cloud Hypervisor v53.0's allocators place the platform devices its DSDT describes, for an x86_64 guest with
/// one vCPU, under 3 GiB of RAM, no memory hotplug, one PCI segment, on a host whose CPUID 0x80000008 reports the
/// 40 physical address bits the harness's CPU model reports (X86/CpuIdTable.cs).
/// </summary>
/// <remarks>
/// The platform MMIO allocator (vm-allocator src/system.rs <c>allocate_platform_mmio_addresses</c>, page-aligned,
/// and src/address.rs <c>first_available_range</c>, which hands out the highest free range) covers
/// memory_manager.rs' <c>PLATFORM_DEVICE_AREA_SIZE</c> (1 MiB) just below <c>mmio_address_space_size(phys_bits)</c> =
/// 2^phys_bits − 64 KiB, with phys_bits = vm.rs <c>physical_bits</c> = min(host CPUID 0x80000008 EAX[7:0],
/// vm_config.rs <c>DEFAULT_MAX_PHYS_BITS</c> 46). So each allocation takes the next page down from
/// 0xFF_FFFF_0000, in the order the VMM asks: device_manager.rs <c>DeviceManager::new</c> allocates its own
/// <c>DEVICE_MANAGER_ACPI_SIZE</c> window, then (CPU hotplug is dynamic without TDX) <c>CPU_MANAGER_ACPI_SIZE</c>
/// for the CPU manager; <c>create_devices</c> → <c>add_acpi_devices</c> then allocates the GED's. The memory manager
/// allocates nothing without <c>hotplug_size</c>.
/// The interrupt allocator (vm-allocator src/gsi.rs <c>GsiAllocator::allocate_irq</c>) hands out IRQs upward from
/// memory_manager.rs <c>X86_64_IRQ_BASE</c> 5: pci_segment.rs <c>reserve_legacy_interrupts_for_pci_devices</c> takes
/// 8 (5–12) in <c>DeviceManager::new</c>, then add_acpi_devices takes the GED's.
/// </remarks>
public static class CloudHypervisorPlatformDevices
{
    /// <summary>The modelled host's physical address bits (the harness CPU's CPUID 0x80000008 EAX[7:0], below CH's default cap of 46).</summary>
    public const int PhysicalAddressBits = 40;
    /// <summary>memory_manager.rs <c>mmio_address_space_size</c>: (1 &lt;&lt; phys_bits) − (1 &lt;&lt; 16).</summary>
    public const ulong MmioAddressSpaceSize = (1UL << PhysicalAddressBits) - (1UL << 16);
    /// <summary>memory_manager.rs: <c>start_of_platform_device_area = mmio_address_space_size − PLATFORM_DEVICE_AREA_SIZE</c> (1 MiB).</summary>
    public const ulong PlatformDeviceAreaStart = MmioAddressSpaceSize - (1UL << 20);

    /// <summary>device_manager.rs <c>DEVICE_MANAGER_ACPI_SIZE</c>: the PCI hotplug controller's registers.</summary>
    public const ulong DeviceManagerAcpiSize = 0x10;
    /// <summary>cpu.rs <c>CPU_MANAGER_ACPI_SIZE</c>.</summary>
    public const ulong CpuManagerAcpiSize = 0xC;
    /// <summary>devices/src/acpi.rs <c>GED_DEVICE_ACPI_SIZE</c>.</summary>
    public const ulong GedAcpiSize = 0x1;

    /// <summary>The first allocation, one page below the area's top: 0xFF_FFFF_0000 − 0x1000.</summary>
    public const ulong DeviceManagerAcpiAddress = MmioAddressSpaceSize - 0x1000;
    /// <summary>The second: the next page down.</summary>
    public const ulong CpuManagerAcpiAddress = DeviceManagerAcpiAddress - 0x1000;
    /// <summary>The third: the next page down.</summary>
    public const ulong GedAddress = CpuManagerAcpiAddress - 0x1000;

    /// <summary>memory_manager.rs <c>X86_64_IRQ_BASE</c>: the interrupt allocator's first IRQ.</summary>
    public const uint IrqBase = 5;
    /// <summary>pci_segment.rs reserve_legacy_interrupts_for_pci_devices: <c>num_irqs = 8</c>, shared round-robin by the 32 slots.</summary>
    public const int PciIrqCount = 8;
    /// <summary>The GED's IRQ: the ninth the allocator hands out.</summary>
    public const uint GedIrq = IrqBase + PciIrqCount;

    /// <summary>device_manager.rs DeviceManager::new: the 32-bit PCI window is layout.rs MEM_32BIT_DEVICES_START (0xC0000000) … + MEM_32BIT_DEVICES_SIZE (640 MiB) − 1, all of it segment 0's.</summary>
    public const ulong PciMmio32Start = 0xC000_0000;
    /// <summary>The 32-bit window's last byte.</summary>
    public const ulong PciMmio32End = PciMmio32Start + (640UL << 20) - 1;
    /// <summary>
    /// memory_manager.rs <c>start_addr</c>: with RAM ending below MEM_32BIT_RESERVED_START the device area starts at
    /// layout.rs <c>RAM_64BIT_START</c> (4 GiB); it ends just below the platform device area.
    /// </summary>
    public const ulong PciMmio64Start = 0x1_0000_0000;
    /// <summary>memory_manager.rs <c>end_of_device_area = start_of_platform_device_area − 1</c>.</summary>
    public const ulong PciMmio64End = PlatformDeviceAreaStart - 1;

    /// <summary>The IRQ of PCI slot <paramref name="slot"/>: <c>pci_irq_slots[i] = irqs[i % 8]</c>.</summary>
    public static uint PciSlotIrq(int slot) => IrqBase + (uint)(slot % PciIrqCount);
}
