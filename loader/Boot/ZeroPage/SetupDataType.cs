namespace LoaderHarness.Loader.Boot.ZeroPage;

/// <summary><c>setup_data</c> node types (arch/x86/include/uapi/asm/setup_data.h SETUP_*).</summary>
public enum SetupDataType : uint
{
    /// <summary>SETUP_NONE.</summary>
    None = 0,
    /// <summary>SETUP_E820_EXT: e820 entries beyond the zero page's 128.</summary>
    E820Ext = 1,
    /// <summary>SETUP_DTB: a flattened device tree.</summary>
    Dtb = 2,
    /// <summary>SETUP_PCI: PCI option ROMs.</summary>
    Pci = 3,
    /// <summary>SETUP_EFI: the EFI setup data for kexec.</summary>
    Efi = 4,
    /// <summary>SETUP_APPLE_PROPERTIES: Apple device properties from EFI.</summary>
    AppleProperties = 5,
    /// <summary>SETUP_JAILHOUSE: the Jailhouse hypervisor's platform description.</summary>
    Jailhouse = 6,
    /// <summary>SETUP_CC_BLOB: the confidential-computing blob (SEV-SNP).</summary>
    CcBlob = 7,
    /// <summary>SETUP_IMA: the IMA measurement log carried over kexec.</summary>
    Ima = 8,
    /// <summary>SETUP_RNG_SEED: bytes for the kernel's entropy pool (zeroed by the kernel once read).</summary>
    RngSeed = 9,
    /// <summary>SETUP_KEXEC_KHO: kexec handover state (SETUP_ENUM_MAX in the setup_data.h that linux-loader v0.14 bootparam.rs translates).</summary>
    KexecKho = 10,
    /// <summary>
    /// SETUP_INDIRECT (1 &lt;&lt; 31): the node's data is a <c>struct setup_indirect</c> {u32 type, u32 reserved,
    /// u64 len, u64 addr} pointing at the real data; OR-ed with the real type (boot.rst "setup_data", 2.15+).
    /// </summary>
    Indirect = 1u << 31,
}
