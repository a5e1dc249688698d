namespace LoaderHarness.Loader.Errors;

/// <summary>
/// Every way a load can fail. The first groups mirror rust-vmm linux-loader's error variants
/// (src/loader/{elf,bzimage,pe}/mod.rs, src/cmdline/mod.rs, src/configurator/*) so peer-conformance
/// tests can compare rejections one to one; the rest are ours.
/// </summary>
public enum LoaderError
{
    // Guest memory.
    /// <summary>An access touched an address that is not guest RAM.</summary>
    GuestAddressOutOfRange,
    /// <summary>Guest memory regions overlap or have a zero size.</summary>
    InvalidMemoryLayout,
    /// <summary>The host refused to reserve address space for guest RAM.</summary>
    HostAllocationFailed,

    // Kernel loader, common (linux-loader: loader::Error).
    /// <summary>The image ends before a structure the format requires.</summary>
    TruncatedImage,
    /// <summary>linux-loader InvalidKernelStartAddress: the kernel would start below high memory.</summary>
    InvalidKernelStartAddress,
    /// <summary>linux-loader MemoryOverflow: an end address does not fit in 64 bits.</summary>
    MemoryOverflow,
    /// <summary>The image format could not be recognised.</summary>
    UnknownImageFormat,
    /// <summary>Reading the image stream failed.</summary>
    ReadKernelImage,

    // ELF (linux-loader: elf::Error).
    /// <summary>linux-loader Elf::InvalidElfMagicNumber.</summary>
    InvalidElfMagicNumber,
    /// <summary>linux-loader Elf::BigEndianElfOnLittle.</summary>
    BigEndianElfOnLittle,
    /// <summary>The ELF is not ELFCLASS64 / EM_X86_64.</summary>
    UnsupportedElfClass,
    /// <summary>linux-loader Elf::InvalidProgramHeaderSize.</summary>
    InvalidProgramHeaderSize,
    /// <summary>linux-loader Elf::InvalidProgramHeaderOffset.</summary>
    InvalidProgramHeaderOffset,
    /// <summary>linux-loader Elf::InvalidProgramHeaderAddress.</summary>
    InvalidProgramHeaderAddress,
    /// <summary>linux-loader Elf::InvalidEntryAddress.</summary>
    InvalidEntryAddress,
    /// <summary>linux-loader Elf::ReadProgramHeader: the program header table lies past the end of the file.</summary>
    ReadProgramHeader,
    /// <summary>A segment's file bytes lie past the end of the file.</summary>
    SegmentOutsideFile,
    /// <summary>linux-loader Elf::ReadNoteHeader: a note runs past its segment or the file.</summary>
    ReadNoteHeader,
    /// <summary>linux-loader Elf::InvalidPvhNote.</summary>
    InvalidPvhNote,
    /// <summary>linux-loader Elf::Overflow / Bzimage::Overflow: header arithmetic overflowed.</summary>
    Overflow,
    /// <summary>linux-loader Elf::Align.</summary>
    Align,

    // bzImage (linux-loader: bzimage::Error).
    /// <summary>linux-loader Bzimage::InvalidBzImage: no HdrS, version &lt; 2.00 or not LOADED_HIGH.</summary>
    InvalidBzImage,
    /// <summary>linux-loader Bzimage::Underflow: the file is shorter than its setup code.</summary>
    Underflow,
    /// <summary>The boot flag at 0x1FE is not 0xAA55.</summary>
    InvalidBootFlag,
    /// <summary>The bzImage payload is missing, out of range, or its compression is unknown.</summary>
    InvalidPayload,
    /// <summary>Decompressing the payload failed.</summary>
    PayloadDecompression,
    /// <summary>The requested entry is not supported by this kernel's protocol version or xloadflags.</summary>
    UnsupportedEntry,

    // PE Image (linux-loader: pe::Error).
    /// <summary>linux-loader Pe::InvalidImageMagicNumber.</summary>
    InvalidImageMagicNumber,
    /// <summary>linux-loader Pe::InvalidBaseAddrAlignment.</summary>
    InvalidBaseAddrAlignment,
    /// <summary>linux-loader Pe::InvalidImage.</summary>
    InvalidImage,
    /// <summary>linux-loader Pe::DtbTooBig.</summary>
    DtbTooBig,

    // Command line (linux-loader: cmdline::Error).
    /// <summary>linux-loader Cmdline::CommandLineTooLarge / TooLarge.</summary>
    CommandLineTooLarge,
    /// <summary>linux-loader Cmdline::InvalidAscii.</summary>
    InvalidAscii,
    /// <summary>linux-loader Cmdline::HasSpace.</summary>
    HasSpace,
    /// <summary>linux-loader Cmdline::HasEquals.</summary>
    HasEquals,
    /// <summary>linux-loader Cmdline::MissingVal.</summary>
    MissingValue,
    /// <summary>linux-loader Cmdline::MmioSize.</summary>
    MmioSize,
    /// <summary>linux-loader Cmdline::NoQuoteSpace.</summary>
    NoQuoteSpace,
    /// <summary>linux-loader Cmdline::InvalidCapacity.</summary>
    InvalidCapacity,
    /// <summary>linux-loader Cmdline::NullTerminator (an interior NUL).</summary>
    NullTerminator,
    /// <summary>linux-loader loader::CommandLineOverflow: the command line does not fit where it is written.</summary>
    CommandLineOverflow,
    /// <summary>linux-loader Cmdline::InvalidQuote: a double quote inside a value rather than around it.</summary>
    InvalidQuote,
    /// <summary>linux-loader Cmdline::NoBootArgsInserted: init args (after <c>--</c>) without any boot args.</summary>
    NoBootArgsInserted,

    // Boot structures (linux-loader: configurator::Error).
    /// <summary>linux-loader Linux::ZeroPagePastRamEnd / Pvh::StartInfoPastRamEnd and friends.</summary>
    BootStructurePastRamEnd,
    /// <summary>linux-loader Linux::ZeroPageSetup / Pvh::StartInfoSetup: a boot structure is malformed.</summary>
    BootStructureSetup,
    /// <summary>More e820 / memmap entries than the structure holds.</summary>
    TooManyMemoryMapEntries,
    /// <summary>linux-loader Pvh::MemmapTableMissing.</summary>
    MemmapTableMissing,
    /// <summary>linux-loader Pvh::StartInfoMagic / a bad start_info or FDT magic.</summary>
    InvalidMagic,
    /// <summary>A flattened device tree is malformed.</summary>
    InvalidDeviceTree,

    // Placement.
    /// <summary>linux-loader InitrdImageSizeTooLarge / no room for the initrd under the protocol's limits.</summary>
    InitrdImageSizeTooLarge,
    /// <summary>Two things the loader places would overlap.</summary>
    PlacementOverlap,

    // Kernel symbols.
    /// <summary>A System.map / kallsyms listing line is not <c>address type name</c>, or the file is Debian's placeholder.</summary>
    InvalidSystemMap,
    /// <summary>No kallsyms table could be found in (or decoded from) a vmlinux.</summary>
    KallsymsNotFound,
    /// <summary>A symbol asked for (a stop point, a global to read back) is not in the kernel's symbol table.</summary>
    UnknownSymbol,
}
