namespace LoaderHarness.Loader.Boot.ZeroPage;

/// <summary><c>setup_data</c> node types (arch/x86/include/uapi/asm/setup_data.h).</summary>
public enum SetupDataType : uint
{
    /// <summary>SETUP_E820_EXT: e820 entries beyond the zero page's 128.</summary>
    E820Ext = 1,
    /// <summary>SETUP_DTB: a flattened device tree.</summary>
    Dtb = 2,
    /// <summary>SETUP_PCI.</summary>
    Pci = 3,
    /// <summary>SETUP_EFI.</summary>
    Efi = 4,
    /// <summary>SETUP_RNG_SEED: bytes for the kernel's entropy pool (zeroed by the kernel once read).</summary>
    RngSeed = 9,
}
