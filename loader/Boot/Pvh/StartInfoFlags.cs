namespace LoaderHarness.Loader.Boot.Pvh;

/// <summary>
/// <c>hvm_start_info.flags</c>: Xen's SIF_* (xen/include/public/xen.h, "These flags are passed in the 'flags' field
/// of start_info_t"), as the pvh crate's <c>Sif</c> bitflags name them. A VMM's PVH guest gets none of them.
/// </summary>
[Flags]
public enum StartInfoFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>SIF_PRIVILEGED: the domain is privileged.</summary>
    Privileged = 1 << 0,
    /// <summary>SIF_INITDOMAIN: this is the initial control domain.</summary>
    InitDomain = 1 << 1,
    /// <summary>SIF_MULTIBOOT_MOD: mod_start is a multiboot module.</summary>
    MultibootMod = 1 << 2,
    /// <summary>SIF_MOD_START_PFN: mod_start is a PFN.</summary>
    ModStartPfn = 1 << 3,
    /// <summary>SIF_VIRT_P2M_4TOOLS: Xen tools understand a virtually mapped P->M table.</summary>
    VirtP2M4Tools = 1 << 4,
    /// <summary>SIF_PM_MASK: one byte reserved for xen-pm options.</summary>
    PmMask = 0xFFu << 8,
}
