using LoaderHarness.Emulator.Vcpu.MultiProcessor;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Vcpu;

/// <summary>
/// The x86 part of a <see cref="VmmProfile"/>: where the VMM puts the boot pieces (the loader's
/// <see cref="X86GuestLayout"/>), what it writes into the zero page or start_info, and the vCPU state per entry.
/// </summary>
public sealed record X86ProfileValues
{
    /// <summary>Where the loader places the boot pieces.</summary>
    public X86GuestLayout Layout { get; init; } = new();
    /// <summary>The zero page's <c>type_of_loader</c>.</summary>
    public byte TypeOfLoader { get; init; } = 0xFF;
    /// <summary><c>boot_params.acpi_rsdp_addr</c> for the Linux entries.</summary>
    public ulong LinuxRsdpAddress { get; init; }
    /// <summary><c>hvm_start_info.rsdp_paddr</c> for PVH.</summary>
    public ulong PvhRsdpAddress { get; init; }
    /// <summary>Bytes of SETUP_RNG_SEED the VMM passes (crosvm: 256; 0 for none).</summary>
    public int RngSeedSize { get; init; }
    /// <summary>Where a bzImage's protected-mode code goes when the VMM does not use code32_start.</summary>
    public ulong? BzImageLoadAddress { get; init; }
    /// <summary>Real-mode entry: the segment base the setup code is loaded at (QEMU 0x10000 for 2.02+).</summary>
    public ulong RealModeBase { get; init; } = 0x1_0000;
    /// <summary>Real-mode entry: SP relative to the setup segment (QEMU: cmdline − real − 16 = 0xFFF0).</summary>
    public ushort RealModeStack { get; init; } = 0xFFF0;
    /// <summary>Real-mode entry: whose BIOS answers the setup code's calls (QEMU -M pc: SeaBIOS; microvm: qboot).</summary>
    public Bios.PcFirmware RealModeFirmware { get; init; } = Bios.PcFirmware.SeaBios;
    /// <summary>
    /// Where the command line goes for PVH when the VMM's firmware copies it somewhere else than for the Linux entries
    /// (QEMU: pvh.bin's buffer, qboot's F-segment copy; the 16-bit entry keeps x86_load_linux's cmdline_addr); null: the layout's.
    /// </summary>
    public ulong? PvhCommandLine { get; init; }
    /// <summary>The vCPU state for each entry mode this VMM supports; absent modes are unsupported.</summary>
    public required IReadOnlyDictionary<X86EntryMode, X86VcpuValues> Entries { get; init; }
    /// <summary>
    /// The ACPI tables the VMM writes into guest memory before the first instruction; null for a VMM that writes
    /// none (its guests boot without ACPI).
    /// </summary>
    public Acpi.AcpiTables? Acpi { get; init; }
    /// <summary>
    /// The ACPI tables for a guest's RAM, for a VMM whose tables move with the RAM size (QEMU <c>-M pc</c>: SeaBIOS puts
    /// them at the top of the RAM below 4 GiB); null when <see cref="Acpi"/> is fixed.
    /// </summary>
    public Func<GuestMemory, Acpi.AcpiTables>? AcpiForMemory { get; init; }
    /// <summary>
    /// The PIIX4 power-management function the VMM's FADT points at (QEMU <c>-M pc</c>: PM1a event/control and the PM timer
    /// from this port, the SMI command port, the PIIX3 reset control register); null for a VMM without one.
    /// </summary>
    public ushort? Piix4PmPort { get; init; }
    /// <summary>MSR values the VMM writes before the first instruction (index → value).</summary>
    public IReadOnlyDictionary<uint, ulong> Msrs { get; init; } = new Dictionary<uint, ulong>();

    /// <summary>
    /// The I/O APIC pin each ISA IRQ (0–15) reaches; null for the identity of KVM's default routing
    /// (arch/x86/kvm/irq_comm.c default_routing: GSI n on IOAPIC pin n).
    /// </summary>
    public IReadOnlyList<int>? IsaIoApicPins { get; init; }
    /// <summary>The version the VMM's I/O APIC reports in IOAPICVER (<see cref="Devices.Apic.IoApic.KvmVersion"/> unless set).</summary>
    public byte IoApicVersion { get; init; } = Devices.Apic.IoApic.KvmVersion;
    /// <summary>
    /// The ports of the VMM's ACPI shutdown device and ACPI PM timer (Cloud Hypervisor's AcpiShutdownDevice and
    /// AcpiPmTimerDevice, devices/src/acpi.rs), which its FADT points at; null for a VMM without them.
    /// </summary>
    public (ushort Shutdown, ushort PmTimer)? AcpiPlatformPorts { get; init; }
    /// <summary>
    /// The first port of the VMM's ACPI PM register block (crosvm's ACPIPMResource, devices/src/acpi.rs), which its FADT
    /// names as PM1a_EVT_BLK, PM1a_CNT_BLK and GPE0_BLK; null for a VMM without one.
    /// </summary>
    public ushort? AcpiPmBlockPort { get; init; }
    /// <summary>
    /// The MMIO base of a second I/O APIC the VMM gives the guest and its MADT lists (QEMU microvm with ACPI:
    /// IO_APIC_SECONDARY_ADDRESS), with no ISA line on it; null for one I/O APIC.
    /// </summary>
    public uint? SecondIoApic { get; init; }
    /// <summary>
    /// The MMIO base of the HPET the VMM emulates and its ACPI HPET table describes (QEMU <c>-M pc</c>: hw/timer/hpet.c at
    /// HPET_BASE 0xFED00000, taking over the 8254's IRQ 0 and the RTC's IRQ 8 in legacy replacement); null for none.
    /// </summary>
    public ulong? Hpet { get; init; }
    /// <summary>
    /// Whether the VMM emulates the PC keyboard controller with a PS/2 keyboard and mouse at ports 0x60/0x64 on IRQs 1 and 12
    /// (QEMU <c>-M pc</c>: hw/input/pckbd.c, the DSDT's KBD and MOU devices).
    /// </summary>
    public bool I8042 { get; init; }

    /// <summary>QEMU <c>-M pc</c>'s PCI bus behind configuration mechanism #1 (<see cref="Devices.Pci.QemuPcPci"/>), in the state SeaBIOS leaves it.</summary>
    public bool QemuPcPci { get; init; }
    /// <summary>
    /// The SMBIOS tables (DMTF DSP0134) the VMM or its firmware writes for a guest with this RAM and a vCPU whose CPUID
    /// leaf 1 returns these EAX and EDX, or null for none.
    /// </summary>
    public Func<GuestMemory, (uint Eax, uint Edx), Smbios.SmbiosTables>? Smbios { get; init; }
    /// <summary>The MP table the VMM writes (Intel MultiProcessor Specification 1.4), or null for none.</summary>
    public MpTableValues? MpTable { get; init; }

    /// <summary>The ACPI tables this VMM writes for a guest with <paramref name="memory"/>'s RAM, or null for none.</summary>
    public Acpi.AcpiTables? AcpiFor(GuestMemory memory) => AcpiForMemory?.Invoke(memory) ?? Acpi;

    /// <summary>Whether this VMM can enter a kernel through <paramref name="mode"/>.</summary>
    public bool Supports(X86EntryMode mode) => Entries.ContainsKey(mode);

    /// <summary>The entry mode a loader protocol uses.</summary>
    public static X86EntryMode ModeOf(BootProtocol protocol) => protocol switch
    {
        BootProtocol.Pvh => X86EntryMode.Pvh,
        BootProtocol.Linux64 => X86EntryMode.Long64,
        BootProtocol.Linux32 => X86EntryMode.Protected32,
        BootProtocol.Linux16 => X86EntryMode.Real,
        _ => throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "not an x86 protocol"),
    };

    /// <summary>The entry the request will use (the kernel's default for Auto).</summary>
    private static BootProtocol EntryOf(GuestSetupRequest request) =>
        request.Protocol == BootProtocol.Auto ? request.Kernel.DefaultEntry : request.Protocol;

    /// <summary>setup_data exists from protocol 2.09 (boot.rst); a vmlinux gets a synthesized 2.12 header.</summary>
    private static bool CanCarrySetupData(KernelImage kernel) =>
        kernel.BzImage is not { } bzImage || bzImage.Header.Version >= 0x0209;

    /// <summary>
    /// <paramref name="request"/> with this VMM's layout and boot-structure values; the RNG seed is
    /// derived from <paramref name="seed"/> so runs are reproducible (and left out for kernels older than 2.09).
    /// </summary>
    public GuestSetupRequest Configure(GuestSetupRequest request, int seed = 0)
    {
        byte[]? rng = null;
        if (RngSeedSize > 0 && CanCarrySetupData(request.Kernel))
        {
            rng = new byte[RngSeedSize];
            new Random(seed).NextBytes(rng);
        }
        return request with
        {
            X86 = PvhCommandLine is { } pvhCmdline && EntryOf(request) == BootProtocol.Pvh ? Layout with { CommandLine = pvhCmdline } : Layout,
            TypeOfLoader = TypeOfLoader,
            AcpiRsdpAddress = LinuxRsdpAddress,
            PvhRsdpAddress = PvhRsdpAddress,
            RngSeed = request.RngSeed ?? rng,
            KernelAddress = request.KernelAddress ?? BzImageLoadAddress,
            RealModeBase = RealModeBase,
        };
    }
}
