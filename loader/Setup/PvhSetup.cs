using LoaderHarness.Loader.Boot.Pvh;

namespace LoaderHarness.Loader.Setup;

/// <summary>
/// The PVH boot structure: <c>hvm_start_info</c>, its memory map and the module list holding the initrd
/// (linux-loader configurator/x86_64/pvh.rs; Xen include/public/arch-x86/hvm/start_info.h).
/// </summary>
internal static class PvhSetup
{
    /// <summary>Adds start_info, memmap and modlist; the structure reported is start_info followed by its memmap.</summary>
    public static X86BootStructure Add(X86BootInputs inputs)
    {
        var (request, layout, plan) = (inputs.Request, inputs.Layout, inputs.Plan);
        var info = new StartInfo
        {
            CommandLineAddress = layout.CommandLine,
            RsdpAddress = request.PvhRsdpAddress ?? request.AcpiRsdpAddress,
            MemmapAddress = layout.Memmap,
            Memmap = inputs.MemoryMap,
            ModlistAddress = layout.Modlist,
            Modules = inputs.Initrd is { } i ? [new PvhModule(i.Address, i.Size)] : [],
        };
        var header = info.BuildHeader();
        var memmap = info.BuildMemmap();
        plan.Add("start_info", layout.StartInfo, header);
        plan.Add("PVH memmap", layout.Memmap, memmap);
        if (info.Modules.Count > 0)
            plan.Add("PVH modlist", layout.Modlist, info.BuildModlist());
        return new X86BootStructure(layout.StartInfo, [.. header, .. memmap]);
    }
}
