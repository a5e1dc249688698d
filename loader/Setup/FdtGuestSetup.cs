using LoaderHarness.Loader.Boot.Fdt;
using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Cmdline;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images.Image;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Loader.Setup;

/// <summary>
/// The arm64 / riscv64 half of <see cref="GuestSetup"/>: Image at a 2 MiB base + text_offset, a DTB
/// describing RAM, command line and initrd, and the initrd by the VMM's rule.
/// </summary>
internal static class FdtGuestSetup
{
    /// <summary>arm64 MIN_FDT_ALIGN (fixmap_remap_fdt rejects other alignments).</summary>
    private const ulong FdtAlignment = 8;

    public static GuestSetupResult Setup(GuestMemory memory, GuestSetupRequest request)
    {
        var image = request.Kernel.Image!;
        var bytes = request.Kernel.Bytes;
        var protocol = request.Kernel.ChooseEntry(request.Protocol);
        var layout = request.Fdt ?? (protocol == BootProtocol.Arm64 ? FdtGuestLayout.Arm64Default : FdtGuestLayout.Riscv64Default);

        var kernel = image.Plan(memory, layout.KernelBase);
        var plan = new PlacementPlan(memory);
        plan.Add(new GuestPlacement("kernel", kernel.KernelLoad, kernel.ClaimedEnd - kernel.KernelLoad),
            m => m.Load(kernel.KernelLoad, bytes));

        var ram = memory.Regions[0];
        var fdtAddress = layout.FdtAddress ?? (ram.Size >= ImageKernel.MaxDtbSize ? ram.End - ImageKernel.MaxDtbSize : ram.Start);
        if (fdtAddress % FdtAlignment != 0)
            throw new LoaderException(LoaderError.BootStructureSetup, $"DTB address 0x{fdtAddress:x} is not 8-byte aligned (arm64 booting.rst)");

        var cmdline = CmdlineBuilder.Build(request.CommandLine, protocol == BootProtocol.Arm64 ? CmdlineBuilder.Arm64Capacity : CmdlineBuilder.Riscv64Capacity);
        (ulong Address, ulong Size)? initrd = null;
        if (request.Initrd is { } initrdBytes)
        {
            var ceiling = layout.InitrdBelowFdt ? fdtAddress : ram.End;
            initrd = InitrdPlacement.BelowCeiling((ulong)initrdBytes.Length, ceiling, kernel.ClaimedEnd);
            var at = initrd.Value.Address;
            plan.Add(new GuestPlacement("initrd", at, initrd.Value.Size), m => m.Write(at, initrdBytes.Span));
        }

        var map = memory.Regions.Select(r => new MemoryMapEntry(r.Start, r.Size, MemoryType.Ram)).ToArray();
        var rng = request.RngSeed is { } seed ? new ReadOnlyMemory<byte>(seed) : (ReadOnlyMemory<byte>?)null;
        // systemd-stub (src/boot/efi/stub.c) installs a UKI's non-empty .dtb in place of the firmware's DTB before it
        // starts the kernel; a caller's own DTB stands where the firmware's would. Either is the base, else ours is built.
        var baseDtb = request.Kernel.Uki?.Dtb is { Length: > 0 } embedded ? embedded : request.Dtb;
        var dtb = baseDtb is { } given
            ? FdtRebase.Rebase(given.Span, map.Select(e => new FdtRegion(e.Address, e.Size)).ToArray(), cmdline.ToString(),
                initrd is { } r ? new FdtRegion(r.Address, r.Size) : null, rng)
            : FdtBuilder.Build(new FdtGuestDescription
            {
                Architecture = protocol == BootProtocol.Arm64 ? FdtArchitecture.Arm64 : FdtArchitecture.Riscv64,
                Memory = map.Select(e => new FdtRegion(e.Address, e.Size)).ToArray(),
                Bootargs = cmdline.ToString(),
                Initrd = initrd is { } i ? new FdtRegion(i.Address, i.Size) : null,
                RngSeed = rng,
                Arm64 = new FdtArm64Platform { PsciMethod = layout.PsciMethod },
            });
        // linux-loader pe::load_dtb: Error::DtbTooBig past MAX_FDT_SIZE (2 MiB).
        if ((ulong)dtb.Length > ImageKernel.MaxDtbSize)
            throw new LoaderException(LoaderError.DtbTooBig, $"the DTB is 0x{dtb.Length:x} bytes; the kernel maps at most 2 MiB");
        plan.Add("device tree", fdtAddress, dtb);
        plan.Commit();
        return new GuestSetupResult
        {
            Protocol = protocol,
            Entry = kernel.KernelLoad,
            BootStructureAddress = fdtAddress,
            BootStructure = dtb,
            Kernel = kernel,
            Initrd = initrd,
            // The command line lives inside the DTB (/chosen/bootargs).
            CommandLineAddress = fdtAddress,
            CommandLine = cmdline.ToString(),
            MemoryMap = map,
            Placements = plan.Placements,
        };
    }
}
