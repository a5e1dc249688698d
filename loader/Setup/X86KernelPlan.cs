using LoaderHarness.Loader.Cmdline;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Images.Elf;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Loader.Setup;

/// <summary>
/// Where an x86 kernel goes and how it is entered, before anything is written: the load, the entry chosen,
/// the setup header the boot structure carries (the bzImage's, or one made up for a vmlinux) and the limits
/// it sets for the command line and initrd.
/// </summary>
internal sealed record X86KernelPlan
{
    /// <summary>Linux's initrd_addr_max for x86_64 (arch/x86/boot/header.S), used when a vmlinux carries no setup header.</summary>
    private const ulong DefaultInitrdAddrMax = 0x7FFF_FFFF;
    /// <summary>Firecracker configure_64bit_boot: kernel_alignment it writes for a vmlinux.</summary>
    private const uint VmlinuxKernelAlignment = 0x100_0000;

    public required KernelLoadResult Kernel { get; init; }
    public required BootProtocol Protocol { get; init; }
    public required ulong Entry { get; init; }
    /// <summary>The header for the zero page / setup sectors, <c>code32_start</c> at the load address.</summary>
    public required SetupHeader Header { get; init; }
    /// <summary>One past the last header byte the kernel's protocol defines.</summary>
    public required int HeaderEnd { get; init; }
    /// <summary>One past the last byte the kernel uses once running (a bzImage's init_size included).</summary>
    public required ulong RuntimeEnd { get; init; }
    /// <summary>Command line capacity, NUL included.</summary>
    public required int CmdlineCapacity { get; init; }
    /// <summary>Highest byte an initrd may use.</summary>
    public required ulong InitrdAddrMax { get; init; }

    /// <summary>Plans the kernel of <paramref name="request"/> in <paramref name="memory"/>; writes nothing.</summary>
    public static X86KernelPlan For(GuestMemory memory, GuestSetupRequest request) =>
        request.Kernel.Format == ImageFormat.Elf ? ForVmlinux(memory, request) : ForBzImage(memory, request);

    private static X86KernelPlan ForVmlinux(GuestMemory memory, GuestSetupRequest request)
    {
        var elf = request.Kernel.Elf!;
        var protocol = request.Kernel.ChooseEntry(request.Protocol);
        var relocatedTo = request.VmlinuxLoadOffset is null ? RelocatedStart(memory, request, elf, protocol) : null;
        var offset = relocatedTo is { } to ? unchecked(to - elf.ImageStart) : request.VmlinuxLoadOffset;
        var kernel = relocatedTo is { } start
            ? elf.PlanAt(memory, start, request.X86.HighMemoryStart)
            : elf.Plan(memory, request.VmlinuxLoadOffset, request.X86.HighMemoryStart, PvhNoteRules.Strict);
        // A load offset moves the kernel off the link address the PVH note gives (unless the note-19
        // relocation allows it): Auto then falls back to the 64-bit entry, an explicit PVH is refused.
        if (protocol == BootProtocol.Pvh && kernel.Pvh.Kind != PvhEntryKind.Present)
        {
            if (request.Protocol == BootProtocol.Pvh)
                throw new LoaderException(LoaderError.UnsupportedEntry,
                    $"the PVH entry does not apply with load offset 0x{offset:x} (PVH enters at the note's physical address unless XEN_ELFNOTE_PHYS32_RELOC allows the move)");
            protocol = BootProtocol.Linux64;
        }
        return new X86KernelPlan
        {
            Kernel = kernel,
            Protocol = protocol,
            Entry = protocol == BootProtocol.Pvh ? kernel.Pvh.Entry : kernel.KernelLoad,
            // No setup header in a vmlinux: give the kernel a minimal one as Firecracker does, with the
            // version that defines the ext_* fields.
            Header = new SetupHeader
            {
                BootFlag = SetupHeader.BootFlagMagic,
                Header = SetupHeader.HeaderMagic,
                Version = 0x020C,
                KernelAlignment = VmlinuxKernelAlignment,
                XLoadFlags = (ushort)(XLoadFlags.Kernel64 | XLoadFlags.CanBeLoadedAbove4G),
                InitrdAddrMax = (uint)DefaultInitrdAddrMax,
                CmdlineSize = CmdlineBuilder.X86Capacity - 1,
            },
            HeaderEnd = SetupHeader.Offset + SetupHeader.Size,
            RuntimeEnd = kernel.ClaimedEnd,
            CmdlineCapacity = CmdlineBuilder.X86Capacity,
            InitrdAddrMax = DefaultInitrdAddrMax,
        };
    }

    /// <summary>
    /// A PVH boot of a vmlinux carrying XEN_ELFNOTE_PHYS32_RELOC may move it (Xen public/elfnote.h): at the address
    /// or seed asked for, else at the link address when usable, else the lowest usable start. Null: no move.
    /// </summary>
    private static ulong? RelocatedStart(GuestMemory memory, GuestSetupRequest request, ElfKernel elf, BootProtocol protocol)
    {
        if (protocol != BootProtocol.Pvh || elf.PvhRelocation is not { } note)
        {
            if (request.PvhRelocation is not null)
                throw new LoaderException(LoaderError.UnsupportedEntry, protocol != BootProtocol.Pvh
                    ? $"PVH relocation asked for, but the kernel is entered through {protocol}"
                    : "PVH relocation asked for, but the vmlinux carries no XEN_ELFNOTE_PHYS32_RELOC note (Linux 6.12+ emits it)");
            return null;
        }
        var initrdSize = request.InitrdAbove4G ? 0UL : (ulong)(request.Initrd?.Length ?? 0);
        var lowRegion = memory.Regions.FirstOrDefault(r => r.Contains(0x10_0000));
        var initrdTop = Math.Min(lowRegion.End, Math.Min(DefaultInitrdAddrMax, uint.MaxValue) + 1);
        return PvhRelocationPlacement.Start(memory, elf, note, request.PvhRelocation, request.X86.HighMemoryStart, initrdSize, initrdTop);
    }

    private static X86KernelPlan ForBzImage(GuestMemory memory, GuestSetupRequest request)
    {
        var protocol = request.Kernel.ChooseEntry(request.Protocol);
        var kernel = request.Kernel.BzImage!.Plan(memory, request.KernelAddress, request.X86.HighMemoryStart);
        var header = kernel.SetupHeader!.Value;
        return new X86KernelPlan
        {
            Kernel = kernel,
            Protocol = protocol,
            Entry = protocol switch
            {
                // boot.rst: the 64-bit entry is startup_64 at load + 0x200; the 32-bit one code32_start.
                BootProtocol.Linux64 => kernel.KernelLoad + 0x200,
                BootProtocol.Linux16 => RealModeSetupArea.Entry(request.RealModeBase),
                _ => kernel.KernelLoad,
            },
            Header = header,
            HeaderEnd = header.HeaderEnd,
            RuntimeEnd = Math.Max(kernel.KernelEnd, RuntimeStart(header, kernel.KernelLoad) + header.EffectiveInitSize),
            CmdlineCapacity = (int)header.EffectiveCmdlineSize + 1,
            InitrdAddrMax = header.EffectiveInitrdAddrMax,
        };
    }

    /// <summary>
    /// Where the kernel decompresses to (boot.rst 2.10+: relocatable → aligned load address, else
    /// pref_address; arch/x86/boot/compressed/head_64.S never goes below LOAD_PHYSICAL_ADDR = pref_address).
    /// </summary>
    private static ulong RuntimeStart(SetupHeader header, ulong load)
    {
        if (header.Version < 0x020A)
            return load;
        if (!header.IsRelocatable)
            return header.PrefAddress;
        var align = Math.Max(header.KernelAlignment, 1u);
        var aligned = (load + align - 1) / align * align;
        return Math.Max(aligned, header.PrefAddress);
    }
}
