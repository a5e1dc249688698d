namespace LoaderHarness.Loader.Errors;

/// <summary>
/// The module a <see cref="LoaderError"/> belongs to; its value × 100 is the first code of the module's range.
/// </summary>
public enum LoaderErrorModule
{
    /// <summary>Guest memory: 100–199.</summary>
    Memory = 1,
    /// <summary>Any kernel image (linux-loader loader::Error): 200–299.</summary>
    Loader = 2,
    /// <summary>ELF vmlinux (linux-loader elf::Error): 300–399.</summary>
    Elf = 3,
    /// <summary>bzImage (linux-loader bzimage::Error): 400–499.</summary>
    BzImage = 4,
    /// <summary>arm64 / riscv64 Image (linux-loader pe::Error): 500–599.</summary>
    Image = 5,
    /// <summary>Compressed payloads: 600–699.</summary>
    Payload = 6,
    /// <summary>Command line (linux-loader cmdline::Error): 700–799.</summary>
    Cmdline = 7,
    /// <summary>Boot structures (linux-loader configurator::Error): 800–899.</summary>
    BootStructure = 8,
    /// <summary>Guest setup: entry choice and placement: 900–999.</summary>
    Setup = 9,
    /// <summary>Kernel symbols: 1000–1099.</summary>
    Symbols = 10,
    /// <summary>PE/COFF wrappers: unified kernel images and EFI zboot: 1100–1199.</summary>
    Pe = 11,
    /// <summary>Measured direct boot (the SEV hashes table): 1200–1299.</summary>
    Measure = 12,
}
