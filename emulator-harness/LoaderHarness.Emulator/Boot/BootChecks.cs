using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Boot.ZeroPage;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Boot;

/// <summary>
/// The contract verdicts on a readback: what the kernel's <c>boot_params</c> and <c>boot_command_line</c>
/// must hold given what the loader set up (boot-contracts §6.1 for PVH, §6.2 and §1.7 for the zero page).
/// </summary>
internal static class BootChecks
{
    /// <summary>init_pvh_bootparams (arch/x86/platform/pvh/enlighten.c): the ISA hole it appends after the memmap.</summary>
    private static readonly MemoryMapEntry IsaHole = new(0xA_0000, 0x6_0000, MemoryType.Reserved);
    /// <summary>init_pvh_bootparams: hdr.version it writes (boot protocol 2.12).</summary>
    private const ushort PvhVersion = 0x020C;
    /// <summary>init_pvh_bootparams: type_of_loader outside Xen (0xB0, "QEMU" in boot.rst's loader list).</summary>
    private const byte PvhTypeOfLoader = 0xB0;

    public static IReadOnlyList<BootCheck> Judge(GuestSetupResult setup, BootReadback readback)
    {
        var checks = new List<BootCheck>
        {
            Compare("boot_command_line", setup.CommandLine, readback.BootCommandLine),
        };
        if (setup.Protocol == BootProtocol.Pvh)
        {
            // The memmap is copied, then the ISA hole appended while e820_entries < E820_MAX_ENTRIES_ZEROPAGE - 1.
            var e820 = setup.MemoryMap.Count < BootParamsLayout.E820MaxEntries - 1 ? [.. setup.MemoryMap, IsaHole] : setup.MemoryMap.ToArray();
            checks.Add(Compare("e820", Format(e820), Format(readback.E820)));
            checks.Add(Compare("hdr.version", $"0x{PvhVersion:x}", $"0x{readback.ProtocolVersion:x}"));
            checks.Add(Compare("hdr.type_of_loader", $"0x{PvhTypeOfLoader:x}", $"0x{readback.TypeOfLoader:x}"));
            checks.Add(Compare("ramdisk (module 0)", Format(setup.Initrd ?? (0, 0)), Format(readback.Ramdisk)));
            return checks;
        }
        var zeroPage = ZeroPageContents.Read(setup.BootStructure);
        checks.Add(Compare("e820", Format(zeroPage.E820), Format(readback.E820)));
        checks.Add(Compare("hdr.version", $"0x{zeroPage.Header.Version:x}", $"0x{readback.ProtocolVersion:x}"));
        checks.Add(Compare("hdr.type_of_loader", $"0x{zeroPage.Header.TypeOfLoader:x}", $"0x{readback.TypeOfLoader:x}"));
        checks.Add(Compare("ramdisk", Format((zeroPage.InitrdAddress, zeroPage.InitrdSize)), Format(readback.Ramdisk)));
        checks.Add(CompareZeroPage(setup.BootStructure, readback.BootParams));
        return checks;
    }

    /// <summary>
    /// <c>boot_params</c> is the loader's zero page, byte for byte, once the kernel's own writes are set aside:
    /// the 32-bit decompressor uses <c>scratch</c> (0x1E4) as a stack slot (boot-contracts §2.2) and records
    /// KASLR in <c>loadflags</c> bit 1 (KASLR_FLAG, arch/x86/boot/compressed/kaslr.c). Our loader writes
    /// sentinel 0, so sanitize_boot_params clears nothing.
    /// </summary>
    private static BootCheck CompareZeroPage(byte[] loader, byte[] kernel)
    {
        const int scratch = 0x1E4;
        const byte kaslrFlag = 0x02;
        var differences = new List<string>();
        for (var i = 0; i < BootParamsLayout.Size; i++)
        {
            var mask = i is >= scratch and < scratch + 4 ? 0 : i == BootParamsLayout.LoadFlags ? ~kaslrFlag & 0xFF : 0xFF;
            if (((loader[i] ^ kernel[i]) & mask) != 0)
                differences.Add($"0x{i:x}: 0x{loader[i]:x2} became 0x{kernel[i]:x2}");
        }
        return new BootCheck("boot_params == zero page", differences.Count == 0, "no difference outside scratch and KASLR_FLAG",
            differences.Count == 0 ? "no difference outside scratch and KASLR_FLAG" : string.Join("; ", differences.Take(8)));
    }

    private static BootCheck Compare(string name, string expected, string actual) => new(name, expected == actual, expected, actual);

    private static string Format(IEnumerable<MemoryMapEntry> entries) =>
        string.Join(", ", entries.Select(e => $"[0x{e.Address:x}, +0x{e.Size:x}) {e.Type}"));

    private static string Format((ulong Address, ulong Size) range) => $"0x{range.Address:x} + 0x{range.Size:x}";
}
