namespace LoaderHarness.Loader.Images.Image;

/// <summary>The architecture an Image header belongs to, told apart by its magic at 0x38.</summary>
public enum ImageArchitecture
{
    /// <summary>arm64: magic "ARM\x64" (Documentation/arch/arm64/booting.rst).</summary>
    Arm64,
    /// <summary>riscv64: magic2 "RSC\x05" (Documentation/arch/riscv/boot-image-header.rst).</summary>
    Riscv64,
}
