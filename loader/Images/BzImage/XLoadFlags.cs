namespace LoaderHarness.Loader.Images.BzImage;

/// <summary><c>xloadflags</c> bits at 0x236 (boot.rst, protocol 2.12+; bootparam.h XLF_*).</summary>
[Flags]
public enum XLoadFlags : ushort
{
    /// <summary>XLF_KERNEL_64: the 64-bit entry at load address + 0x200 exists.</summary>
    Kernel64 = 1 << 0,
    /// <summary>XLF_CAN_BE_LOADED_ABOVE_4G: kernel, initrd and cmdline may lie above 4 GiB.</summary>
    CanBeLoadedAbove4G = 1 << 1,
    /// <summary>XLF_EFI_HANDOVER_32.</summary>
    EfiHandover32 = 1 << 2,
    /// <summary>XLF_EFI_HANDOVER_64.</summary>
    EfiHandover64 = 1 << 3,
    /// <summary>XLF_EFI_KEXEC.</summary>
    EfiKexec = 1 << 4,
    /// <summary>XLF_5LEVEL: 5-level paging supported.</summary>
    FiveLevel = 1 << 5,
    /// <summary>XLF_5LEVEL_ENABLED.</summary>
    FiveLevelEnabled = 1 << 6,
    /// <summary>XLF_MEM_ENCRYPTION.</summary>
    MemEncryption = 1 << 7,
}
