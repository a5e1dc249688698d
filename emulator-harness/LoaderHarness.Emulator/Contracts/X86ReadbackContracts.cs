using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.Vcpu.Bios;
using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Boot.ZeroPage;
using static LoaderHarness.Emulator.Contracts.Contract;

namespace LoaderHarness.Emulator.Contracts;

/// <summary>
/// Contracts on what a real x86 kernel accepted, read back from its own <c>boot_params</c> and
/// <c>boot_command_line</c> once <c>copy_bootdata</c> ran (arch/x86/kernel/head64.c): each must agree with
/// what the loader set up — through PVH as init_pvh_bootparams (arch/x86/platform/pvh/enlighten.c) rebuilds
/// it, through the zero page as written, through the 16-bit entry as the setup code builds it from the setup
/// header and the BIOS's answers (arch/x86/boot/main.c copy_boot_params, memory.c detect_memory_e820). Not
/// applicable when nothing was read back.
/// </summary>
public static class X86ReadbackContracts
{
    private const string Enlighten = "arch/x86/platform/pvh/enlighten.c init_pvh_bootparams";
    private const string Head64 = "arch/x86/kernel/head64.c copy_bootdata";

    /// <summary>init_pvh_bootparams: the ISA hole it appends after the memmap.</summary>
    private static readonly MemoryMapEntry IsaHole = new(0xA_0000, 0x6_0000, MemoryType.Reserved);
    /// <summary>init_pvh_bootparams: hdr.version it writes (boot protocol 2.12).</summary>
    private const ushort PvhVersion = 0x020C;
    /// <summary>init_pvh_bootparams: type_of_loader outside Xen (0xB0, "QEMU" in boot.rst's loader list).</summary>
    private const byte PvhTypeOfLoader = 0xB0;

    /// <summary>The contracts.</summary>
    public static IReadOnlyList<Contract> All { get; } =
    [
        Readback("x86.run.boot-command-line", "boot_command_line is the command line the loader wrote",
            $"{Head64} (copies cmd_line_ptr into boot_command_line); {Enlighten} (cmdline_paddr)",
            (b, r) => Same(b.Guest.CommandLine, r.BootCommandLine ?? "")),
        Readback("x86.run.e820", "boot_params.e820_table is the loader's map (PVH: the memmap plus the ISA hole init_pvh_bootparams appends; 16-bit entry: what INT 15h E820h returned)",
            $"{Enlighten} (memmap copied, then the ISA range while e820_entries < E820_MAX_ENTRIES_ZEROPAGE - 1); arch/x86/boot/memory.c detect_memory_e820 (one entry per INT 15h call); {Head64}",
            (b, r) =>
            {
                return Same(Format(HandedE820(b)), Format(X86(r).E820));
            }),
        Readback("x86.run.protocol-version", "boot_params.hdr.version is the image's (PVH: 2.12, what init_pvh_bootparams writes)",
            $"{Enlighten}; {Head64}", (b, r) =>
                Same($"0x{(b.Mode == X86EntryMode.Pvh ? PvhVersion : ZeroPage(b).Header.Version):x}", $"0x{X86(r).ProtocolVersion:x}")),
        Readback("x86.run.type-of-loader", "boot_params.hdr.type_of_loader is the loader's (PVH: 0xB0, what init_pvh_bootparams writes outside Xen)",
            $"{Enlighten}; {Head64}", (b, r) =>
                Same($"0x{(b.Mode == X86EntryMode.Pvh ? PvhTypeOfLoader : ZeroPage(b).Header.TypeOfLoader):x}", $"0x{X86(r).TypeOfLoader:x}")),
        Readback("x86.run.ramdisk", "boot_params.hdr.ramdisk_image/size (with ext_*) are where the loader put the initrd (PVH: module 0)",
            $"{Enlighten} (modlist_paddr entry 0 → ramdisk_image); {Head64}", (b, r) =>
            {
                // Through the 16-bit entry the loader writes only the setup header; ext_ramdisk_* (0xC0, 0xC4) are the setup code's own zeroed bss.
                var expected = b.Mode switch
                {
                    X86EntryMode.Pvh => b.Guest.Initrd ?? (0, 0),
                    X86EntryMode.Real => (ZeroPage(b).Header.RamdiskImage, ZeroPage(b).Header.RamdiskSize),
                    _ => (ZeroPage(b).InitrdAddress, ZeroPage(b).InitrdSize),
                };
                return Same(FormatRange(expected), FormatRange(X86(r).Ramdisk));
            }),
        Readback("x86.run.boot-params", "boot_params is the loader's zero page byte for byte, but for scratch and KASLR_FLAG",
            $"{Head64}; arch/x86/boot/compressed/head_64.S (scratch as a stack slot); arch/x86/boot/compressed/kaslr.c (KASLR_FLAG)",
            (b, r) => b.Mode switch
            {
                X86EntryMode.Pvh => Skip("PVH: init_pvh_bootparams builds boot_params itself"),
                X86EntryMode.Real => Skip("16-bit entry: the setup code builds boot_params itself (arch/x86/boot/main.c)"),
                _ => CompareZeroPage(b.Guest.BootStructure, X86(r).BootParams, b.Profile.X86?.AcpiFor(b.Memory)?.RsdpAddress),
            }),
    ];

    private static Contract Readback(string id, string description, string source, Func<BootCase, KernelReadback, (ContractVerdict, string)> check) =>
        new(id, description, source, ContractPhase.AfterRun, ContractSeverity.Required, b =>
            b.Readback is { X86: not null } readback ? check(b, readback) : Skip("boot_params not read back (the run did not stop after copy_bootdata)"));

    /// <summary>
    /// The e820 table the kernel starts from: the zero page's, through PVH the memmap with the ISA hole
    /// init_pvh_bootparams appends while e820_entries &lt; E820_MAX_ENTRIES_ZEROPAGE - 1, through the 16-bit
    /// entry the entries the BIOS returned to INT 15h E820h.
    /// </summary>
    internal static IReadOnlyList<MemoryMapEntry> HandedE820(BootCase b) => b.Mode switch
    {
        X86EntryMode.Real => b.X86.Firmware is PcBios bios ? bios.E820Returned : [],
        X86EntryMode.Pvh => b.Guest.MemoryMap.Count < BootParamsLayout.E820MaxEntries - 1 ? [.. b.Guest.MemoryMap, IsaHole] : b.Guest.MemoryMap,
        _ => ZeroPage(b).E820,
    };

    private static X86KernelReadback X86(KernelReadback r) => r.X86!;

    private static ZeroPageContents ZeroPage(BootCase b) => ZeroPageContents.Read(b.Guest.BootStructure);

    /// <summary>
    /// The loader's zero page and the kernel's <c>boot_params</c>, once the kernel's own writes are set aside:
    /// the 32-bit decompressor uses <c>scratch</c> (0x1E4) as a stack slot and records KASLR in <c>loadflags</c>
    /// bit 1 (KASLR_FLAG). Our loader writes sentinel 0, so sanitize_boot_params clears nothing. When the loader left
    /// <c>acpi_rsdp_addr</c> 0 and the profile wrote an RSDP, the decompressor may store where it found it by scanning
    /// (arch/x86/boot/compressed/misc.c extract_kernel: <c>boot_params-&gt;acpi_rsdp_addr = get_rsdp_addr()</c>).
    /// </summary>
    private static (ContractVerdict, string) CompareZeroPage(byte[] loader, byte[] kernel, ulong? writtenRsdp)
    {
        const int scratch = 0x1E4;
        const byte kaslrFlag = 0x02;
        const int rsdp = BootParamsLayout.AcpiRsdpAddr;
        var rsdpFound = writtenRsdp is { } address && BitConverter.ToUInt64(loader, rsdp) == 0 && BitConverter.ToUInt64(kernel, rsdp) == address;
        var differences = new List<string>();
        for (var i = 0; i < BootParamsLayout.Size; i++)
        {
            var mask = i is >= scratch and < scratch + 4 || (rsdpFound && i is >= rsdp and < rsdp + 8) ? 0
                : i == BootParamsLayout.LoadFlags ? ~kaslrFlag & 0xFF : 0xFF;
            if (((loader[i] ^ kernel[i]) & mask) != 0)
                differences.Add($"0x{i:x}: 0x{loader[i]:x2} became 0x{kernel[i]:x2}");
        }
        return differences.Count == 0 ? Pass("no difference outside scratch and KASLR_FLAG") : Fail(string.Join("; ", differences.Take(8)));
    }

    private static string FormatRange((ulong Address, ulong Size) range) => $"0x{range.Address:x} + 0x{range.Size:x}";
}
