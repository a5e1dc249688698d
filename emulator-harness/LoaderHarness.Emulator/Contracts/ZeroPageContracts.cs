using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Images.BzImage;
using static LoaderHarness.Emulator.Contracts.Contract;
using L = LoaderHarness.Loader.Boot.ZeroPage.BootParamsLayout;

namespace LoaderHarness.Emulator.Contracts;

/// <summary>
/// Contracts on <c>boot_params</c> as it sits in guest memory at the Linux entries (Documentation/arch/x86/boot.rst,
/// arch/x86/include/uapi/asm/bootparam.h). For the real-mode entry the same header fields are read from the setup
/// sectors at the real-mode base.
/// </summary>
public static class ZeroPageContracts
{
    private const string BootRst = "Documentation/arch/x86/boot.rst";

    /// <summary>The contracts.</summary>
    public static IReadOnlyList<Contract> All { get; } =
    [
        Header("x86.zp.signatures", "boot_flag 0xAA55 at 0x1FE and \"HdrS\" at 0x202", $"{BootRst} setup header table", (b, h) =>
            Expect(h.BootFlag == SetupHeader.BootFlagMagic && h.HasHeaderMagic, $"boot_flag 0x{h.BootFlag:x}, header 0x{h.Header:x}")),
        new("x86.zp.sentinel", "boot_params.sentinel (0x1EF) is 0, so the kernel keeps ext_* and acpi_rsdp_addr",
            "arch/x86/include/asm/bootparam_utils.h sanitize_boot_params", ContractPhase.Entry, ContractSeverity.Required, b =>
                !b.HasZeroPage ? Skip("no zero page at this entry") : Expect(b.Memory.ReadU8(b.Structure + L.Sentinel) == 0,
                    $"sentinel 0x{b.Memory.ReadU8(b.Structure + L.Sentinel):x}")),
        Header("x86.zp.type-of-loader", "type_of_loader is not 0 (0xFF undefined, or an assigned ID)", $"{BootRst} type_of_loader; arch/x86/kernel/setup.c", (b, h) =>
            Expect(h.TypeOfLoader != 0, $"type_of_loader 0x{h.TypeOfLoader:x}")),
        Header("x86.zp.command-line", "cmd_line_ptr set (2.02+), string NUL-terminated within cmdline_size (255 before 2.06), 2048 bytes readable",
            $"{BootRst} cmd_line_ptr, cmdline_size; arch/x86/kernel/head64.c copy_bootdata (copies COMMAND_LINE_SIZE)", (b, h) =>
            {
                if (!h.HasCmdLinePtr)
                    return Skip($"protocol {h.ProtocolVersion} has no cmd_line_ptr");
                var ptr = h.CmdLinePtr | (b.HasZeroPage ? (ulong)b.Memory.ReadU32(b.Structure + L.ExtCmdLinePtr) << 32 : 0);
                if (ptr == 0)
                    return Fail("cmd_line_ptr is 0");
                var capacity = (int)h.EffectiveCmdlineSize;
                var length = GuestReads.StringLength(b.Memory, ptr, capacity + 1);
                if (length is null)
                    return Fail($"no NUL within cmdline_size + 1 = {capacity + 1} bytes at 0x{ptr:x}");
                if (!b.Memory.IsRam(ptr, 2048))
                    return Fail($"the kernel copies 2048 bytes from 0x{ptr:x}; they are not all RAM");
                return Pass($"{length} bytes at 0x{ptr:x}, cmdline_size {capacity}");
            }),
        Header("x86.zp.above-4g", "ext_cmd_line_ptr / ext_ramdisk_* are 0 unless XLF_CAN_BE_LOADED_ABOVE_4G", $"{BootRst} 2.12 xloadflags", (b, h) =>
        {
            if (!b.HasZeroPage)
                return Skip("no ext_* fields at this entry");
            var ext = (ulong)b.Memory.ReadU32(b.Structure + L.ExtCmdLinePtr) | b.Memory.ReadU32(b.Structure + L.ExtRamdiskImage) | b.Memory.ReadU32(b.Structure + L.ExtRamdiskSize);
            return Expect(ext == 0 || h.EffectiveXLoadFlags.HasFlag(XLoadFlags.CanBeLoadedAbove4G), $"ext fields 0x{ext:x}, xloadflags 0x{h.XLoadFlags:x}");
        }),
        Header("x86.zp.initrd", "the initrd is in RAM and ends at or below initrd_addr_max (0x37FFFFFF before 2.03)", $"{BootRst} initrd_addr_max, ramdisk_image", (b, h) =>
        {
            var ext = b.HasZeroPage ? ((ulong)b.Memory.ReadU32(b.Structure + L.ExtRamdiskImage) << 32, (ulong)b.Memory.ReadU32(b.Structure + L.ExtRamdiskSize) << 32) : (0UL, 0UL);
            var address = h.RamdiskImage | ext.Item1;
            var size = h.RamdiskSize | ext.Item2;
            if (size == 0)
                return Skip("no initrd");
            var above4G = h.EffectiveXLoadFlags.HasFlag(XLoadFlags.CanBeLoadedAbove4G);
            var ok = b.Memory.IsRam(address, size) && (above4G || address + size - 1 <= h.EffectiveInitrdAddrMax);
            return Expect(ok, $"initrd [0x{address:x}, +0x{size:x}), initrd_addr_max 0x{h.EffectiveInitrdAddrMax:x}");
        }),
        Header("x86.zp.kernel-alignment", "kernel_alignment is not 0 (the decompressor aligns its target with it)",
            "arch/x86/boot/compressed/head_64.S (BP_kernel_alignment); firecracker configure_64bit_boot", (b, h) =>
            b.Mode == X86EntryMode.Real ? Skip("the real-mode setup code does not use it")
                : h.Version < 0x0205 ? Skip($"protocol {h.ProtocolVersion} has no kernel_alignment")
                : Expect(h.KernelAlignment != 0, $"kernel_alignment 0x{h.KernelAlignment:x}")),
        Header("x86.zp.code32-start", "code32_start is where the protected-mode kernel was loaded", $"{BootRst} code32_start; linux-loader bzimage", (b, h) =>
            b.IsVmlinux ? Skip("a vmlinux has no code32_start") : Expect(h.Code32Start == b.Guest.Kernel.KernelLoad,
                $"code32_start 0x{h.Code32Start:x}, loaded at 0x{b.Guest.Kernel.KernelLoad:x}")),
        Header("x86.zp.kernel64", "the 64-bit entry is used only with protocol 2.12+ and XLF_KERNEL_64", $"{BootRst} \"64-bit Boot Protocol\"", (b, h) =>
            b.Mode != X86EntryMode.Long64 ? Skip("not the 64-bit entry")
                : Expect(h.Version >= 0x020C && h.EffectiveXLoadFlags.HasFlag(XLoadFlags.Kernel64), $"protocol {h.ProtocolVersion}, xloadflags 0x{h.XLoadFlags:x}")),
        new("x86.zp.e820", "2–128 e820 entries, sorted, non-overlapping, no wrap, valid types, RAM from 0 and under the kernel",
            "arch/x86/kernel/e820.c e820__memory_setup_default, append_e820_table", ContractPhase.Entry, ContractSeverity.Required, b =>
            {
                if (!b.HasZeroPage)
                    return Skip("no zero page at this entry");
                var count = b.Memory.ReadU8(b.Structure + L.E820Entries);
                if (count is < 2 or > L.E820MaxEntries)
                    return Fail($"{count} entries");
                var entries = new List<MemoryMapEntry>();
                for (var i = 0; i < count; i++)
                {
                    var at = b.Structure + L.E820Table + (ulong)(i * L.E820EntrySize);
                    entries.Add(new MemoryMapEntry(b.Memory.ReadU64(at), b.Memory.ReadU64(at + 8), (MemoryType)b.Memory.ReadU32(at + 16)));
                }
                return MemoryMapCheck.Check(entries, b.Guest.Kernel.KernelLoad);
            }),
        new("x86.zp.setup-data", "the setup_data chain stays in RAM, 8-byte aligned, terminates, and avoids the kernel's runtime range",
            $"{BootRst} setup_data; crosvm x86_64/src/lib.rs setup_data; qemu hw/i386/x86-common.c x86_load_linux (its SETUP_RNG_SEED was reverted in 2023 because the decompressor clobbered it)",
            ContractPhase.Entry, ContractSeverity.Required, b =>
            {
                if (!b.HasZeroPage)
                    return Skip("no zero page at this entry");
                var next = b.Memory.ReadU64(b.Structure + L.SetupData);
                if (next == 0)
                    return Skip("no setup_data");
                var kernel = b.Guest.Kernel;
                var runtimeEnd = kernel.KernelLoad + Math.Max(kernel.ClaimedEnd - kernel.KernelLoad, kernel.SetupHeader?.EffectiveInitSize ?? 0);
                for (var n = 0; next != 0; n++)
                {
                    if (n == 64)
                        return Fail("more than 64 nodes: the chain does not terminate");
                    if ((next & 7) != 0 || !b.Memory.IsRam(next, 16))
                        return Fail($"node 0x{next:x} is misaligned or outside RAM");
                    var length = b.Memory.ReadU32(next + 12);
                    if (!b.Memory.IsRam(next, 16 + (ulong)length))
                        return Fail($"node 0x{next:x} of 0x{length:x} bytes runs past RAM");
                    if (next < runtimeEnd && kernel.KernelLoad < next + 16 + length)
                        return Fail($"node 0x{next:x} lies inside the kernel's runtime range [0x{kernel.KernelLoad:x}, 0x{runtimeEnd:x})");
                    next = b.Memory.ReadU64(next);
                }
                return Pass("chain well formed");
            }),
        new("x86.vmlinux.2mib-aligned", "a vmlinux entered at startup_64 is loaded on a 2 MiB boundary relative to its link address",
            "arch/x86/kernel/head64.c __startup_64 (load_delta & ~PMD_MASK → for(;;))",
            ContractPhase.Entry, ContractSeverity.Required, b =>
            {
                if (!b.IsVmlinux || b.Mode != X86EntryMode.Long64)
                    return Skip("not a vmlinux at its 64-bit entry");
                var delta = b.X86.Rip - b.Guest.Kernel.KernelLoad;
                return Expect((delta & 0x1F_FFFF) == 0, $"RIP 0x{b.X86.Rip:x}, e_entry 0x{b.Guest.Kernel.KernelLoad:x}");
            }),
    ];

    /// <summary>A contract on the setup header as the kernel will see it (zero page, or the setup sectors for real mode).</summary>
    private static Contract Header(string id, string description, string source, Func<BootCase, SetupHeader, (ContractVerdict, string)> check) =>
        new(id, description, source, ContractPhase.Entry, ContractSeverity.Required, b =>
            b.Mode == X86EntryMode.Pvh ? Skip("PVH has no setup header")
                : check(b, SetupHeader.Parse(b.Memory.ReadBytes(b.Structure, SetupHeader.Offset + SetupHeader.Size))));
}
