using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Boot.MemoryMap;
using static LoaderHarness.Emulator.Contracts.Contract;
using S = LoaderHarness.Loader.Boot.Pvh.StartInfoLayout;

namespace LoaderHarness.Emulator.Contracts;

/// <summary>
/// Contracts on <c>hvm_start_info</c> at the PVH entry (xen/include/public/arch-x86/hvm/start_info.h, and what
/// arch/x86/platform/pvh/enlighten.c reads of it), read from guest memory at EBX.
/// </summary>
public static class PvhContracts
{
    private const string StartInfoH = "xen/include/public/arch-x86/hvm/start_info.h";
    private const string Enlighten = "arch/x86/platform/pvh/enlighten.c";

    /// <summary>The contracts.</summary>
    public static IReadOnlyList<Contract> All { get; } =
    [
        Pvh("x86.pvh.start-info-magic", "start_info.magic is 0x336EC578", $"{StartInfoH}; {Enlighten} xen_prepare_pvh (BUG otherwise)", b =>
        {
            var magic = b.Memory.ReadU32(b.Structure);
            return Expect(magic == S.Magic, $"magic 0x{magic:x}");
        }),
        Pvh("x86.pvh.start-info-version", "start_info.version ≥ 1 (version 0 has no memmap: BUG outside Xen)", $"{StartInfoH}; {Enlighten} init_pvh_bootparams", b =>
        {
            var version = b.Memory.ReadU32(b.Structure + S.Version);
            return Expect(version >= 1, $"version {version}");
        }),
        Pvh("x86.pvh.memmap", "1–126 memmap entries (room for the ISA entry), sorted, valid types, reserved fields 0",
            $"{StartInfoH} hvm_memmap_table_entry; {Enlighten} init_pvh_bootparams (u8 count, ISA entry appended below 127)", b =>
            {
                var count = b.Memory.ReadU32(b.Structure + S.MemmapEntries);
                var table = b.Memory.ReadU64(b.Structure + S.MemmapPaddr);
                if (count is < 1 or > 126)
                    return Fail($"{count} memmap entries");
                var entries = new List<MemoryMapEntry>();
                for (ulong i = 0; i < count; i++)
                {
                    var at = table + i * S.MemmapEntrySize;
                    if (b.Memory.ReadU32(at + 20) != 0)
                        return Fail($"entry {i} reserved field is not 0");
                    entries.Add(new MemoryMapEntry(b.Memory.ReadU64(at), b.Memory.ReadU64(at + 8), (MemoryType)b.Memory.ReadU32(at + 16)));
                }
                return MemoryMapCheck.Check(entries, b.Guest.Kernel.KernelLoad);
            }),
        Pvh("x86.pvh.start-info-writable", "the 56-byte start_info lies in RAM (Linux ≥ 6.12 uses it as a stack and copies 56 bytes)",
            "arch/x86/platform/pvh/head.S pvh_start_xen; xen docs/misc/pvh.pandoc", b =>
                Expect(b.Memory.IsRam(b.Structure, S.Size), $"start_info at 0x{b.Structure:x}")),
        Pvh("x86.pvh.below-4g", "cmdline_paddr and module 0's paddr and size are below 4 GiB (the kernel keeps 32 bits)",
            $"{Enlighten} init_pvh_bootparams (hdr.cmd_line_ptr, ramdisk_image are u32)", b =>
            {
                var cmdline = b.Memory.ReadU64(b.Structure + S.CmdlinePaddr);
                var modules = b.Memory.ReadU32(b.Structure + S.NrModules);
                ulong address = 0, size = 0;
                if (modules > 0)
                {
                    var list = b.Memory.ReadU64(b.Structure + S.ModlistPaddr);
                    address = b.Memory.ReadU64(list);
                    size = b.Memory.ReadU64(list + 8);
                }
                return Expect(cmdline <= uint.MaxValue && address <= uint.MaxValue && size <= uint.MaxValue,
                    $"cmdline 0x{cmdline:x}, module 0 [0x{address:x}, +0x{size:x})");
            }),
        Pvh("x86.pvh.command-line", "the command line is NUL-terminated within COMMAND_LINE_SIZE (2048) bytes of RAM",
            "arch/x86/include/asm/setup.h COMMAND_LINE_SIZE; arch/x86/kernel/head64.c copy_bootdata", b =>
            {
                var cmdline = b.Memory.ReadU64(b.Structure + S.CmdlinePaddr);
                if (cmdline == 0)
                    return Skip("no command line");
                var length = GuestReads.StringLength(b.Memory, cmdline, 2048);
                return Expect(length is not null, length is { } n ? $"{n} bytes at 0x{cmdline:x}" : $"no NUL within 2048 bytes at 0x{cmdline:x}");
            }),
    ];

    private static Contract Pvh(string id, string description, string source, Func<BootCase, (ContractVerdict, string)> check) =>
        new(id, description, source, ContractPhase.Entry, ContractSeverity.Required, b => b.Mode == X86EntryMode.Pvh ? check(b) : Skip("not the PVH entry"));
}
