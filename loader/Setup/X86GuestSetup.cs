using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Cmdline;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Loader.Setup;

/// <summary>
/// The x86 half of <see cref="GuestSetup"/>: places the kernel (<see cref="X86KernelPlan"/>), the command line
/// and the initrd, builds the memory map, and hands the boot structure to the entry's setup — zero page
/// (<see cref="ZeroPageSetup"/>), PVH start_info (<see cref="PvhSetup"/>) or the real-mode setup sectors
/// (<see cref="RealModeSetup"/>) — then writes everything at once.
/// </summary>
internal static class X86GuestSetup
{
    public static GuestSetupResult Setup(GuestMemory memory, GuestSetupRequest request)
    {
        var layout = request.X86;
        var plan = new PlacementPlan(memory);
        foreach (var (name, address, size) in layout.VcpuAreas)
            plan.Add(new GuestPlacement(name, address, size), null);

        var kernelPlan = X86KernelPlan.For(memory, request);
        if (request.InitrdAbove4G)
            CheckInitrdAbove4G(kernelPlan);
        var kernel = kernelPlan.Kernel;
        var kernelBytes = request.Kernel.Bytes;
        foreach (var s in kernel.Segments)
        {
            var seg = s;
            plan.Add(new GuestPlacement("kernel", seg.GuestAddress, seg.MemorySize),
                m => m.Load(seg.GuestAddress, kernelBytes.Slice((int)seg.FileOffset, (int)seg.FileSize)));
        }
        if (kernelPlan.RuntimeEnd > kernel.ClaimedEnd)
        {
            // Nothing is written there, but the kernel decompresses and runs in it (boot.rst init_size: the
            // linear memory it needs from its load address), so it must be RAM like the bytes loaded.
            var runtime = new GuestPlacement("kernel runtime (init_size)", kernel.ClaimedEnd, kernelPlan.RuntimeEnd - kernel.ClaimedEnd);
            if (!memory.IsRam(runtime.Address, runtime.Size))
                throw new LoaderException(LoaderError.GuestAddressOutOfRange,
                    $"init_size needs RAM up to 0x{kernelPlan.RuntimeEnd:x}; [0x{runtime.Address:x}, 0x{kernelPlan.RuntimeEnd:x}) is not all RAM");
            plan.Add(runtime, null);
        }

        var cmdline = CmdlineBuilder.Build(request.CommandLine, kernelPlan.CmdlineCapacity);
        var cmdlineBytes = cmdline.AsCString();
        var map = layout.MemoryMap?.Invoke(memory) ?? MemoryMapBuilder.ForX86(memory, layout.Reserved, layout.LowRamEnd, layout.BiosAreaEnd);
        if (kernelPlan.Protocol == BootProtocol.Pvh && layout.QbootPvhBuffers)
        {
            var (memmapAddress, cmdlineAddress) = QbootPvhBuffers.For(map.Count, cmdlineBytes.Length, layout.QbootMallocTop);
            layout = layout with { Memmap = memmapAddress, CommandLine = cmdlineAddress };
            request = request with { X86 = layout };
        }
        plan.Add("command line", layout.CommandLine, cmdlineBytes);
        // arch/x86/kernel/head64.c copy_bootdata copies COMMAND_LINE_SIZE bytes from cmd_line_ptr whatever the NUL says.
        if (!memory.IsRam(layout.CommandLine, Math.Max(layout.CommandLineReadSize, (ulong)cmdlineBytes.Length)))
            throw new LoaderException(LoaderError.BootStructurePastRamEnd,
                $"the kernel reads {layout.CommandLineReadSize} bytes from the command line at 0x{layout.CommandLine:x}; they are not all RAM");

        (ulong Address, ulong Size)? initrd = null;
        if (request.Initrd is { } initrdBytes)
        {
            // The initrd belongs in usable RAM: below the end of the map's RAM entry that holds 1 MiB (a firmware such as
            // SeaBIOS may reserve the top of it), as well as below initrd_addr_max.
            var usableEnd = map.FirstOrDefault(e => e.Type == MemoryType.Ram && e.Address <= 0x10_0000 && 0x10_0000 < e.End).End;
            var addrMax = usableEnd > 0x10_0000 ? Math.Min(kernelPlan.InitrdAddrMax, usableEnd - 1) : kernelPlan.InitrdAddrMax;
            initrd = request.InitrdAbove4G
                ? InitrdPlacement.Above4G(memory, (ulong)initrdBytes.Length, kernelPlan.RuntimeEnd)
                : layout.QemuAcpiDataSize is { } acpiDataSize
                ? QemuInitrdPlacement.For(kernelPlan.Protocol, kernelPlan.Header, (ulong)initrdBytes.Length, Below4G(memory), acpiDataSize,
                    layout.QemuLinuxbootRom && usableEnd > 0x10_0000 ? Math.Min(usableEnd, 1UL << 32) : null, kernelPlan.RuntimeEnd, layout.Qboot)
                : InitrdPlacement.BelowLimit(memory, (ulong)initrdBytes.Length, addrMax, kernelPlan.RuntimeEnd);
            plan.Add(new GuestPlacement("initrd", initrd.Value.Address, initrd.Value.Size), m => m.Write(initrd.Value.Address, initrdBytes.Span));
        }

        var inputs = new X86BootInputs
        {
            Request = request,
            Plan = plan,
            Kernel = kernelPlan,
            CommandLine = cmdlineBytes,
            Initrd = initrd,
            MemoryMap = map,
        };
        var structure = kernelPlan.Protocol switch
        {
            BootProtocol.Pvh => PvhSetup.Add(inputs),
            BootProtocol.Linux16 => RealModeSetup.Add(inputs),
            _ => ZeroPageSetup.Add(inputs),
        };

        plan.Commit();
        return new GuestSetupResult
        {
            Protocol = kernelPlan.Protocol,
            Entry = kernelPlan.Entry,
            BootStructureAddress = structure.Address,
            BootStructure = structure.Bytes,
            Kernel = kernel,
            Initrd = initrd,
            CommandLineAddress = layout.CommandLine,
            CommandLine = cmdline.ToString(),
            MemoryMap = map,
            Placements = plan.Placements,
        };
    }

    /// <summary>QEMU's <c>below_4g_mem_size</c>: the RAM from address 0 up to the first hole, at most 4 GiB.</summary>
    private static ulong Below4G(GuestMemory memory) =>
        memory.Regions.Count > 0 && memory.Regions[0].Start == 0 ? Math.Min(memory.Regions[0].End, 1UL << 32) : 0;

    /// <summary>
    /// An initrd above 4 GiB needs ext_ramdisk_image (XLF_CAN_BE_LOADED_ABOVE_4G, boot.rst 2.12+) and the 64-bit boot
    /// protocol: the 32-bit and real-mode entries run without 64-bit addressing, and Linux's PVH entry copies only
    /// the low 32 bits of the module's paddr into hdr.ramdisk_image (arch/x86/platform/pvh/enlighten.c
    /// init_pvh_bootparams; Debian's 6.1 then finds its initrd at the truncated address).
    /// </summary>
    private static void CheckInitrdAbove4G(X86KernelPlan plan)
    {
        if (plan.Protocol != BootProtocol.Linux64)
            throw new LoaderException(LoaderError.UnsupportedEntry,
                $"an initrd above 4 GiB needs the 64-bit boot protocol (ext_ramdisk_image); {plan.Protocol} cannot pass its high 32 bits");
        if (!plan.Header.EffectiveXLoadFlags.HasFlag(Images.BzImage.XLoadFlags.CanBeLoadedAbove4G))
            throw new LoaderException(LoaderError.UnsupportedEntry,
                $"an initrd above 4 GiB needs XLF_CAN_BE_LOADED_ABOVE_4G (boot.rst 2.12+: ext_ramdisk_image); this kernel's xloadflags are 0x{plan.Header.XLoadFlags:x}");
    }
}
