using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Boot.Pvh;
using LoaderHarness.Loader.Boot.ZeroPage;
using LoaderHarness.Loader.Cmdline;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Images.Elf;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Loader.Setup;

/// <summary>The x86 half of <see cref="GuestSetup"/>: vmlinux (PVH or 64-bit) and bzImage (64- or 32-bit).</summary>
internal static class X86GuestSetup
{
    /// <summary>Linux's initrd_addr_max for x86_64 (header.S), used when a vmlinux carries no setup header.</summary>
    private const ulong DefaultInitrdAddrMax = 0x7FFF_FFFF;
    /// <summary>Firecracker configure_64bit_boot: kernel_alignment it writes for a vmlinux.</summary>
    private const uint VmlinuxKernelAlignment = 0x100_0000;

    public static GuestSetupResult Setup(GuestMemory memory, GuestSetupRequest request)
    {
        var format = request.Kernel.Format;
        var image = request.Kernel.Bytes.Span;
        var layout = request.X86;
        var plan = new PlacementPlan(memory);
        foreach (var (name, address, size) in layout.VcpuAreas)
            plan.Add(new GuestPlacement(name, address, size), null);

        KernelLoadResult kernel;
        BootProtocol protocol;
        ulong entry;
        SetupHeader header;
        int headerEnd;
        ulong runtimeEnd;
        var kernelBytes = request.Kernel.Bytes;
        if (format == ImageFormat.Elf)
        {
            var elf = request.Kernel.Elf!;
            kernel = elf.Plan(memory, request.VmlinuxLoadOffset, layout.HighMemoryStart);
            protocol = request.Kernel.ChooseEntry(request.Protocol);
            // A load offset moves the kernel off the link address the PVH note gives (unless the note-19
            // relocation allows it): Auto then falls back to the 64-bit entry, an explicit PVH is refused.
            if (protocol == BootProtocol.Pvh && kernel.Pvh.Kind != PvhEntryKind.Present)
            {
                if (request.Protocol == BootProtocol.Pvh)
                    throw new LoaderException(LoaderError.UnsupportedEntry,
                        $"the PVH entry does not apply with load offset 0x{request.VmlinuxLoadOffset:x} (PVH enters at the note's physical address)");
                protocol = BootProtocol.Linux64;
            }
            entry = protocol == BootProtocol.Pvh ? kernel.Pvh.Entry : kernel.KernelLoad;
            // No setup header in a vmlinux: give the kernel a minimal one as Firecracker does, with the
            // version that defines the ext_* fields.
            header = new SetupHeader
            {
                BootFlag = SetupHeader.BootFlagMagic,
                Header = SetupHeader.HeaderMagic,
                Version = 0x020C,
                KernelAlignment = VmlinuxKernelAlignment,
                XLoadFlags = (ushort)(XLoadFlags.Kernel64 | XLoadFlags.CanBeLoadedAbove4G),
                InitrdAddrMax = (uint)DefaultInitrdAddrMax,
                CmdlineSize = CmdlineBuilder.X86Capacity - 1,
            };
            headerEnd = SetupHeader.Offset + SetupHeader.Size;
            runtimeEnd = kernel.ClaimedEnd;
        }
        else
        {
            var bz = request.Kernel.BzImage!;
            header = bz.Header;
            protocol = request.Kernel.ChooseEntry(request.Protocol);
            kernel = bz.Plan(memory, request.KernelAddress, layout.HighMemoryStart);
            header = kernel.SetupHeader!.Value;
            headerEnd = header.HeaderEnd;
            entry = protocol switch
            {
                BootProtocol.Linux64 => kernel.KernelLoad + 0x200,
                BootProtocol.Linux16 => RealModeSetupArea.Entry(request.RealModeBase),
                _ => kernel.KernelLoad,
            };
            runtimeEnd = Math.Max(kernel.KernelEnd, RuntimeStart(header, kernel.KernelLoad) + header.EffectiveInitSize);
        }

        foreach (var s in kernel.Segments)
        {
            var seg = s;
            plan.Add(new GuestPlacement("kernel", seg.GuestAddress, seg.MemorySize),
                m => m.Write(seg.GuestAddress, kernelBytes.Span.Slice((int)seg.FileOffset, (int)seg.FileSize)));
        }
        if (runtimeEnd > kernel.ClaimedEnd)
            plan.Add(new GuestPlacement("kernel runtime (init_size)", kernel.ClaimedEnd, runtimeEnd - kernel.ClaimedEnd), null);

        var cmdline = CmdlineBuilder.Build(request.CommandLine, format == ImageFormat.Elf ? CmdlineBuilder.X86Capacity : (int)header.EffectiveCmdlineSize + 1);
        var cmdlineBytes = cmdline.AsCString();
        plan.Add("command line", layout.CommandLine, cmdlineBytes);
        // copy_bootdata reads COMMAND_LINE_SIZE bytes from cmd_line_ptr whatever the NUL says (boot-contracts §1.5).
        if (!memory.IsRam(layout.CommandLine, Math.Max(layout.CommandLineReadSize, (ulong)cmdlineBytes.Length)))
            throw new LoaderException(LoaderError.BootStructurePastRamEnd,
                $"the kernel reads {layout.CommandLineReadSize} bytes from the command line at 0x{layout.CommandLine:x}; they are not all RAM");

        (ulong Address, ulong Size)? initrd = null;
        if (request.Initrd is { } initrdBytes)
        {
            var max = format == ImageFormat.Elf ? DefaultInitrdAddrMax : header.EffectiveInitrdAddrMax;
            initrd = InitrdPlacement.BelowLimit(memory, (ulong)initrdBytes.Length, max, runtimeEnd);
            plan.Add(new GuestPlacement("initrd", initrd.Value.Address, initrd.Value.Size), m => m.Write(initrd.Value.Address, initrdBytes.Span));
        }

        var map = MemoryMapBuilder.ForX86(memory, layout.Reserved, layout.LowRamEnd, layout.BiosAreaEnd);
        byte[] structure;
        ulong structureAddress;
        if (protocol == BootProtocol.Pvh)
        {
            var info = new StartInfo
            {
                CommandLineAddress = layout.CommandLine,
                RsdpAddress = request.PvhRsdpAddress ?? request.AcpiRsdpAddress,
                MemmapAddress = layout.Memmap,
                Memmap = map,
                ModlistAddress = layout.Modlist,
                Modules = initrd is { } i ? [new PvhModule(i.Address, i.Size)] : [],
            };
            structureAddress = layout.StartInfo;
            structure = [.. info.BuildHeader(), .. info.BuildMemmap()];
            plan.Add("start_info", layout.StartInfo, info.BuildHeader());
            plan.Add("PVH memmap", layout.Memmap, info.BuildMemmap());
            if (info.Modules.Count > 0)
                plan.Add("PVH modlist", layout.Modlist, info.BuildModlist());
        }
        else if (protocol == BootProtocol.Linux16)
        {
            // The kernel's own setup code builds boot_params (with e820 from the BIOS); the loader's part
            // is the header inside the setup sectors.
            structure = RealModeSetupArea.Build(image, header, request.RealModeBase, layout.CommandLine, cmdlineBytes.Length,
                initrd, request.TypeOfLoader, (uint)kernel.KernelLoad);
            structureAddress = request.RealModeBase;
            plan.Add("real-mode setup", structureAddress, structure);
        }
        else
        {
            var zeroPageMap = map.Take(BootParamsLayout.E820MaxEntries).ToArray();
            var chain = new SetupDataChain();
            if (map.Count > zeroPageMap.Length)
                chain.AddE820(map.Skip(zeroPageMap.Length).ToArray());
            if (request.RngSeed is { Length: > 0 } seed)
                chain.Add(SetupDataType.RngSeed, seed);
            ulong chainAddress = 0;
            if (!chain.IsEmpty)
            {
                chainAddress = (layout.CommandLine + Math.Max(layout.CommandLineReadSize, (ulong)cmdlineBytes.Length) + 7) & ~7UL;
                plan.Add("setup_data", chainAddress, chain.Build(chainAddress));
            }
            structure = ZeroPageBuilder.Build(new ZeroPageSpec
            {
                Header = header,
                HeaderEnd = headerEnd,
                TypeOfLoader = request.TypeOfLoader,
                CommandLineAddress = layout.CommandLine,
                InitrdAddress = initrd?.Address ?? 0,
                InitrdSize = initrd?.Size ?? 0,
                E820 = zeroPageMap,
                AcpiRsdpAddress = request.AcpiRsdpAddress,
                SetupDataAddress = chainAddress,
            });
            structureAddress = layout.ZeroPage;
            plan.Add("zero page", layout.ZeroPage, structure);
        }

        plan.Commit();
        return new GuestSetupResult
        {
            Protocol = protocol,
            Entry = entry,
            BootStructureAddress = structureAddress,
            BootStructure = structure,
            Kernel = kernel,
            Initrd = initrd,
            CommandLineAddress = layout.CommandLine,
            CommandLine = cmdline.ToString(),
            MemoryMap = map,
            Placements = plan.Placements,
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
