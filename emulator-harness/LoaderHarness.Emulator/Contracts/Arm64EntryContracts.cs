using System.Buffers.Binary;
using LoaderHarness.Loader.Boot.Fdt;
using static LoaderHarness.Emulator.Contracts.Contract;

namespace LoaderHarness.Emulator.Contracts;

/// <summary>
/// The arm64 entry contract (Documentation/arch/arm64/booting.rst §4) on the vCPU state and
/// guest memory before the first instruction: registers, PSTATE, system registers, Image and DTB placement.
/// </summary>
public static class Arm64EntryContracts
{
    private const string Booting = "Documentation/arch/arm64/booting.rst";
    private const ulong TwoMiB = 0x20_0000;
    private const ulong OneGiB = 1UL << 30;

    /// <summary>The contracts.</summary>
    public static IReadOnlyList<Contract> All { get; } =
    [
        Entry("arm64.x0-dtb", "x0 holds the physical address of the device tree blob",
            $"{Booting} §4 (x0 = physical address of device tree blob (dtb) in system RAM)",
            b => Expect(b.Arm64[0] == b.Dtb, $"x0 = 0x{b.Arm64[0]:x}, DTB placed at 0x{b.Dtb:x}")),
        Entry("arm64.x1-x3-zero", "x1, x2 and x3 are 0",
            $"{Booting} §4 (x1–x3 = 0, reserved for future use); arch/arm64/kernel/setup.c warns \"x1-x3 nonzero in violation of boot protocol\"",
            b => Expect(b.Arm64[1] == 0 && b.Arm64[2] == 0 && b.Arm64[3] == 0, $"x1 = 0x{b.Arm64[1]:x}, x2 = 0x{b.Arm64[2]:x}, x3 = 0x{b.Arm64[3]:x}")),
        Entry("arm64.daif-masked", "PSTATE.D, A, I and F are all set (every interrupt masked)",
            $"{Booting} §4 (all forms of interrupts must be masked in PSTATE.DAIF)",
            b => Expect(b.Arm64.Daif == 0xF, $"DAIF = 0b{Convert.ToString(b.Arm64.Daif, 2).PadLeft(4, '0')}")),
        Entry("arm64.entry-el", "the CPU is at EL2 or EL1 (non-secure; no EL3 here, EL0 cannot boot a kernel)",
            $"{Booting} §4 (either in EL2 (RECOMMENDED) or in EL1)",
            b => Expect(b.Arm64.ExceptionLevel is 1 or 2, $"EL{b.Arm64.ExceptionLevel}{(b.Arm64.SpSel ? "h" : "t")}")),
        Entry("arm64.el2-recommended", "the kernel is entered at EL2, so it can use the virtualisation extensions",
            $"{Booting} §4 (EL2 RECOMMENDED); KVM-based VMMs enter at EL1 by design",
            b => Expect(b.Arm64.ExceptionLevel == 2, $"EL{b.Arm64.ExceptionLevel}"), ContractSeverity.Advisory),
        Entry("arm64.mmu-off", "the MMU is off (SCTLR_ELx.M = 0 at the entry EL)",
            $"{Booting} §4 (the MMU must be off)",
            b => Expect((Sctlr(b) & 1) == 0, $"SCTLR_EL{EntryEl(b)} = 0x{Sctlr(b):x}")),
        Entry("arm64.dcache-off", "the data cache is off (SCTLR_ELx.C = 0), as KVM's vCPU reset leaves it",
            $"{Booting} §4 (MMU off; the image and DTB cleaned to the PoC — D-cache off is what VMMs do, not a stated rule)",
            b => Expect(((Sctlr(b) >> 2) & 1) == 0, $"SCTLR_EL{EntryEl(b)} = 0x{Sctlr(b):x}"), ContractSeverity.Advisory),
        Entry("arm64.cntfrq-set", "CNTFRQ_EL0 is programmed with the timer frequency",
            $"{Booting} §4 \"Architected timers\" (CNTFRQ must be programmed with the timer frequency)",
            b => Expect(b.Arm64.ReadSystemRegister("CNTFRQ_EL0") != 0, $"CNTFRQ_EL0 = {b.Arm64.ReadSystemRegister("CNTFRQ_EL0")} Hz")),
        Entry("arm64.dtb-aligned", "the DTB x0 points at is 8-byte aligned",
            $"{Booting} §2 (placed on an 8-byte boundary); arch/arm64/mm/mmu.c fixmap_remap_fdt (MIN_FDT_ALIGN 8)",
            b => Expect(b.Arm64[0] % 8 == 0, $"x0 = 0x{b.Arm64[0]:x}")),
        Entry("arm64.dtb-magic", "the blob at x0 starts with the FDT magic 0xd00dfeed",
            "arch/arm64/mm/mmu.c fixmap_remap_fdt (fdt_magic check); DT spec v0.4 §5.2",
            b =>
            {
                if (!b.Memory.IsRam(b.Arm64[0], 4))
                    return Fail($"x0 = 0x{b.Arm64[0]:x} is not RAM");
                var magic = BinaryPrimitives.ReadUInt32BigEndian(b.Memory.ReadBytes(b.Arm64[0], 4));
                return Expect(magic == FdtHeader.FdtMagic, $"magic 0x{magic:x8} at 0x{b.Arm64[0]:x}");
            }),
        Entry("arm64.dtb-size", "the DTB's totalsize is at most 2 MiB",
            $"{Booting} §2 (must not exceed 2 megabytes in size); fixmap_remap_fdt (MAX_FDT_SIZE)",
            b => TotalSize(b) is { } size ? Expect(size <= TwoMiB, $"totalsize 0x{size:x}") : Skip("no FDT header at x0")),
        Entry("arm64.dtb-in-ram", "the whole DTB lies in (writable) system RAM",
            $"{Booting} §4 (in system RAM); drivers/of/fdt.c early_init_dt_check_for_rng_seed (the kernel wipes /chosen/rng-seed in place)",
            b => TotalSize(b) is { } size
                ? Expect(b.Memory.IsRam(b.Arm64[0], size), $"[0x{b.Arm64[0]:x}, +0x{size:x})")
                : Skip("no FDT header at x0")),
        Entry("arm64.dtb-outside-image", "the DTB does not overlap the image_size bytes the kernel owns from the Image start",
            $"{Booting} §3 (at least image_size bytes from the start of the image must be free for use by the kernel)",
            b =>
            {
                var (start, end) = ImageRange(b);
                var size = TotalSize(b) ?? 8;
                return Expect(b.Arm64[0] + size <= start || b.Arm64[0] >= end, $"DTB [0x{b.Arm64[0]:x}, +0x{size:x}), Image [0x{start:x}, 0x{end:x})");
            }),
        Entry("arm64.image-2mib-base", "the Image is text_offset bytes above a 2 MiB-aligned base",
            $"{Booting} §3 (placed text_offset bytes from a 2MB aligned base address)",
            b =>
            {
                var textOffset = b.Header.EffectiveTextOffset;
                return Expect(b.Arm64.Pc >= textOffset && (b.Arm64.Pc - textOffset) % TwoMiB == 0, $"PC 0x{b.Arm64.Pc:x}, text_offset 0x{textOffset:x}");
            }),
        Entry("arm64.pc-image-start", "PC is the first byte of the Image as loaded",
            $"{Booting} §4 (jump directly to the first instruction of the kernel image)",
            b => Expect(b.Arm64.Pc == b.Guest.Kernel.KernelLoad, $"PC 0x{b.Arm64.Pc:x}, Image at 0x{b.Guest.Kernel.KernelLoad:x}")),
        Entry("arm64.image-in-ram", "all image_size bytes from the Image start are RAM",
            $"{Booting} §3 (image_size bytes from the start of the image must be free for use by the kernel)",
            b =>
            {
                var (start, end) = ImageRange(b);
                return Expect(b.Memory.IsRam(start, end - start), $"[0x{start:x}, 0x{end:x})");
            }),
        Entry("arm64.initrd-window", "the initrd lies within one 1 GiB-aligned window of at most 32 GiB that also covers the Image",
            $"{Booting} §3 (initrd: a 1 GB aligned physical memory window of up to 32 GB that fully covers the kernel Image as well)",
            b =>
            {
                if (Chosen(b, "linux,initrd-start") is not { } startProperty || Chosen(b, "linux,initrd-end") is not { } endProperty)
                    return Skip("no initrd in /chosen");
                ulong initrdStart = Cell(startProperty), initrdEnd = Cell(endProperty);
                var (imageStart, imageEnd) = ImageRange(b);
                var low = Math.Min(initrdStart, imageStart) & ~(OneGiB - 1);
                var high = Math.Max(initrdEnd, imageEnd);
                return Expect(high - low <= 32 * OneGiB && b.Memory.IsRam(initrdStart, initrdEnd - initrdStart),
                    $"initrd [0x{initrdStart:x}, 0x{initrdEnd:x}), Image [0x{imageStart:x}, 0x{imageEnd:x}): window [0x{low:x}, 0x{high:x})");
            }),
        Entry("arm64.chosen-bootargs", "/chosen/bootargs carries the command line",
            "drivers/of/fdt.c early_init_dt_scan_chosen (bootargs → boot_command_line); Firecracker and Cloud Hypervisor always write it",
            b => Chosen(b, "bootargs") is { } bootargs ? Pass($"\"{bootargs.AsString()}\"") : Fail("no /chosen/bootargs"), ContractSeverity.Advisory),
    ];

    private static Contract Entry(string id, string description, string source,
        Func<BootCase, (ContractVerdict, string)> check, ContractSeverity severity = ContractSeverity.Required) =>
        new(id, description, source, ContractPhase.Entry, severity, check);

    /// <summary>The EL the vCPU entered at.</summary>
    private static int EntryEl(BootCase b) => b.Arm64.ExceptionLevel == 2 ? 2 : 1;

    private static ulong Sctlr(BootCase b) => b.Arm64.ReadSystemRegister(EntryEl(b) == 2 ? "SCTLR_EL2" : "SCTLR_EL1");

    /// <summary>[load, load + max(file, image_size)).</summary>
    private static (ulong Start, ulong End) ImageRange(BootCase b) => (b.Guest.Kernel.KernelLoad, b.Guest.Kernel.ClaimedEnd);

    /// <summary>The FDT header's totalsize at x0, or null when x0 is not RAM or holds no FDT magic.</summary>
    internal static ulong? TotalSize(BootCase b)
    {
        if (!b.Memory.IsRam(b.Arm64[0], FdtHeader.Size))
            return null;
        var header = b.Memory.ReadBytes(b.Arm64[0], FdtHeader.Size);
        return BinaryPrimitives.ReadUInt32BigEndian(header) == FdtHeader.FdtMagic ? BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4)) : null;
    }

    /// <summary>A /chosen property of the DTB at x0, or null.</summary>
    internal static FdtProperty? Chosen(BootCase b, string name)
    {
        if (TotalSize(b) is not { } size || size > 2 * TwoMiB || !b.Memory.IsRam(b.Arm64[0], size))
            return null;
        try
        {
            // Read in place (one RAM region holds it on every arm64 profile): QEMU's device tree is 1 MiB, and a copy per
            // property was most of the conformance run's arm64 page faults.
            return FdtReader.Read(b.Memory.GetReadOnlySpan(b.Arm64[0], (int)size, out _)).FindProperty("/chosen", name);
        }
        catch (LoaderHarness.Loader.Errors.LoaderException)
        {
            return null;
        }
    }

    /// <summary>A 32- or 64-bit address cell (linux,initrd-start/end may be either).</summary>
    private static ulong Cell(FdtProperty property) => property.Value.Length == 4 ? property.AsU32() : property.AsU64();
}
