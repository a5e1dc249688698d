namespace LoaderHarness.Loader.Errors;

/// <summary>
/// Every way a load can fail, grouped by the module that reports it as rust-vmm linux-loader groups its
/// errors (src/loader/{elf,bzimage,pe}/mod.rs, src/cmdline/mod.rs, src/configurator/*): each module owns a
/// range of 100 values (<see cref="LoaderErrorModule"/>, <see cref="LoaderErrorExtensions.Module"/>). The
/// linux-loader variants are mirrored so peer-conformance tests can compare rejections one to one; the rest
/// are ours.
/// </summary>
/// <remarks>
/// Values and names are stable (reports and the CLI print them; a test pins each one): add new codes at the
/// end of their module's range, never renumber or rename.
/// </remarks>
public enum LoaderError
{
    // Memory: 100–199. Guest memory (linux-loader leaves these to vm-memory's GuestMemoryError).
    /// <summary>An access touched an address that is not guest RAM.</summary>
    GuestAddressOutOfRange = 100,
    /// <summary>Guest memory regions overlap or have a zero size.</summary>
    InvalidMemoryLayout = 101,
    /// <summary>The host refused to reserve address space for guest RAM.</summary>
    HostAllocationFailed = 102,

    // Loader: 200–299. Any kernel image (linux-loader: loader::Error).
    /// <summary>The image ends before a structure the format requires.</summary>
    TruncatedImage = 200,
    /// <summary>linux-loader InvalidKernelStartAddress: the kernel would start below high memory.</summary>
    InvalidKernelStartAddress = 201,
    /// <summary>linux-loader MemoryOverflow: an end address does not fit in 64 bits.</summary>
    MemoryOverflow = 202,
    /// <summary>The image format could not be recognised.</summary>
    UnknownImageFormat = 203,
    /// <summary>Reading the image stream failed.</summary>
    ReadKernelImage = 204,

    // Elf: 300–399. ELF vmlinux (linux-loader: elf::Error).
    /// <summary>linux-loader Elf::InvalidElfMagicNumber.</summary>
    InvalidElfMagicNumber = 300,
    /// <summary>linux-loader Elf::BigEndianElfOnLittle.</summary>
    BigEndianElfOnLittle = 301,
    /// <summary>The ELF is not ELFCLASS64 / EM_X86_64.</summary>
    UnsupportedElfClass = 302,
    /// <summary>linux-loader Elf::InvalidProgramHeaderSize.</summary>
    InvalidProgramHeaderSize = 303,
    /// <summary>linux-loader Elf::InvalidProgramHeaderOffset.</summary>
    InvalidProgramHeaderOffset = 304,
    /// <summary>linux-loader Elf::InvalidProgramHeaderAddress.</summary>
    InvalidProgramHeaderAddress = 305,
    /// <summary>linux-loader Elf::InvalidEntryAddress.</summary>
    InvalidEntryAddress = 306,
    /// <summary>linux-loader Elf::ReadProgramHeader: the program header table lies past the end of the file.</summary>
    ReadProgramHeader = 307,
    /// <summary>A segment's file bytes lie past the end of the file.</summary>
    SegmentOutsideFile = 308,
    /// <summary>linux-loader Elf::ReadNoteHeader: a note runs past its segment or the file.</summary>
    ReadNoteHeader = 309,
    /// <summary>linux-loader Elf::InvalidPvhNote.</summary>
    InvalidPvhNote = 310,
    /// <summary>linux-loader Elf::Overflow / Bzimage::Overflow: header arithmetic overflowed.</summary>
    Overflow = 311,
    /// <summary>linux-loader Elf::Align.</summary>
    Align = 312,
    /// <summary>linux-loader Elf::SeekKernelStart: seeking to a PT_LOAD's bytes failed.</summary>
    SeekKernelStart = 313,
    /// <summary>linux-loader Elf::SeekElfStart: seeking to the ELF header failed.</summary>
    SeekElfStart = 314,
    /// <summary>linux-loader Elf::SeekProgramHeader: seeking to the program header table failed.</summary>
    SeekProgramHeader = 315,
    /// <summary>linux-loader Elf::SeekNoteHeader: seeking to a PT_NOTE failed.</summary>
    SeekNoteHeader = 316,

    // BzImage: 400–499. bzImage (linux-loader: bzimage::Error).
    /// <summary>linux-loader Bzimage::InvalidBzImage: no HdrS, version &lt; 2.00 or not LOADED_HIGH.</summary>
    InvalidBzImage = 400,
    /// <summary>linux-loader Bzimage::Underflow: the file is shorter than its setup code.</summary>
    Underflow = 401,
    /// <summary>The boot flag at 0x1FE is not 0xAA55.</summary>
    InvalidBootFlag = 402,
    /// <summary>linux-loader Bzimage::SeekBzImageEnd: seeking to the end of the bzImage failed.</summary>
    SeekBzImageEnd = 403,
    /// <summary>linux-loader Bzimage::SeekBzImageHeader: seeking to the setup header failed.</summary>
    SeekBzImageHeader = 404,
    /// <summary>linux-loader Bzimage::SeekBzImageCompressedKernel: seeking to the protected-mode kernel failed.</summary>
    SeekBzImageCompressedKernel = 405,

    // Image: 500–599. arm64 / riscv64 Image (linux-loader: pe::Error).
    /// <summary>linux-loader Pe::InvalidImageMagicNumber.</summary>
    InvalidImageMagicNumber = 500,
    /// <summary>linux-loader Pe::InvalidBaseAddrAlignment.</summary>
    InvalidBaseAddrAlignment = 501,
    /// <summary>linux-loader Pe::InvalidImage.</summary>
    InvalidImage = 502,
    /// <summary>linux-loader Pe::DtbTooBig.</summary>
    DtbTooBig = 503,
    /// <summary>linux-loader Pe::SeekImageEnd: seeking to the end of the Image failed.</summary>
    SeekImageEnd = 504,
    /// <summary>linux-loader Pe::SeekImageHeader: seeking to the Image header failed.</summary>
    SeekImageHeader = 505,
    /// <summary>linux-loader Pe::SeekDtbStart: seeking to the start of a DTB failed.</summary>
    SeekDtbStart = 506,
    /// <summary>linux-loader Pe::SeekDtbEnd: seeking to the end of a DTB failed.</summary>
    SeekDtbEnd = 507,
    /// <summary>linux-loader Pe::ReadDtbImage: reading a DTB into guest memory failed.</summary>
    ReadDtbImage = 508,

    // Payload: 600–699. Compressed payloads: a bzImage's vmlinux, an Image.gz (ours).
    /// <summary>The bzImage payload is missing, out of range, or its compression is unknown.</summary>
    InvalidPayload = 600,
    /// <summary>Decompressing the payload failed.</summary>
    PayloadDecompression = 601,

    // Cmdline: 700–799. Command line (linux-loader: cmdline::Error, and loader::Error::CommandLineOverflow).
    /// <summary>linux-loader Cmdline::CommandLineTooLarge / TooLarge.</summary>
    CommandLineTooLarge = 700,
    /// <summary>linux-loader Cmdline::InvalidAscii.</summary>
    InvalidAscii = 701,
    /// <summary>linux-loader Cmdline::HasSpace.</summary>
    HasSpace = 702,
    /// <summary>linux-loader Cmdline::HasEquals.</summary>
    HasEquals = 703,
    /// <summary>linux-loader Cmdline::MissingVal.</summary>
    MissingValue = 704,
    /// <summary>linux-loader Cmdline::MmioSize.</summary>
    MmioSize = 705,
    /// <summary>linux-loader Cmdline::NoQuoteSpace.</summary>
    NoQuoteSpace = 706,
    /// <summary>linux-loader Cmdline::InvalidCapacity.</summary>
    InvalidCapacity = 707,
    /// <summary>linux-loader Cmdline::NullTerminator (an interior NUL).</summary>
    NullTerminator = 708,
    /// <summary>linux-loader loader::CommandLineOverflow: the command line does not fit where it is written (it ends past the last byte of RAM, or past what the protocol reads).</summary>
    CommandLineOverflow = 709,
    /// <summary>linux-loader Cmdline::InvalidQuote: a double quote inside a value rather than around it.</summary>
    InvalidQuote = 710,
    /// <summary>linux-loader Cmdline::NoBootArgsInserted: init args (after <c>--</c>) without any boot args.</summary>
    NoBootArgsInserted = 711,
    /// <summary>linux-loader loader::CommandLineCopy: the line's bytes are inside RAM's span but cross a hole, so writing them failed.</summary>
    CommandLineCopy = 712,

    // BootStructure: 800–899. Boot structures: zero page, start_info, FDT (linux-loader: configurator::Error).
    /// <summary>linux-loader Linux::ZeroPagePastRamEnd / Pvh::StartInfoPastRamEnd and friends.</summary>
    BootStructurePastRamEnd = 800,
    /// <summary>linux-loader Linux::ZeroPageSetup / Pvh::StartInfoSetup: a boot structure is malformed.</summary>
    BootStructureSetup = 801,
    /// <summary>More e820 / memmap entries than the structure holds.</summary>
    TooManyMemoryMapEntries = 802,
    /// <summary>linux-loader Pvh::MemmapTableMissing.</summary>
    MemmapTableMissing = 803,
    /// <summary>linux-loader Pvh::StartInfoMagic / a bad start_info or FDT magic.</summary>
    InvalidMagic = 804,
    /// <summary>A flattened device tree is malformed.</summary>
    InvalidDeviceTree = 805,
    /// <summary>linux-loader Pvh::MemmapTableSetup: writing the memory map table failed (its range crosses a hole in RAM).</summary>
    MemmapTableSetup = 806,
    /// <summary>linux-loader Pvh::StartInfoSetup: writing hvm_start_info failed (its range crosses a hole in RAM).</summary>
    StartInfoSetup = 807,
    /// <summary>linux-loader Pvh::ModulesSetup: writing the modlist failed (its range is not all RAM).</summary>
    ModulesSetup = 808,
    /// <summary>linux-loader Fdt::WriteFDTToMemory: writing the DTB failed (its range crosses a hole in RAM).</summary>
    WriteFdtToMemory = 809,
    /// <summary>linux-loader configurator::MissingStartAddress: a boot parameter was given without its list's start address.</summary>
    MissingStartAddress = 810,
    /// <summary>linux-loader configurator::Overflow: a boot parameter's address overflows.</summary>
    BootParameterOverflow = 811,
    /// <summary>linux-loader configurator::InvalidAddress: a boot parameter's address precedes its list's start.</summary>
    InvalidAddress = 812,
    /// <summary>linux-loader Pvh::MemmapTableAddressMissing: a memory map was given without its address.</summary>
    MemmapTableAddressMissing = 813,
    /// <summary>linux-loader Pvh::ModulesAddressMissing: modules were given without their address.</summary>
    ModulesAddressMissing = 814,

    // Setup: 900–999. Guest setup: entry choice and placement of the pieces (ours; vmm-reference kernel_setup).
    /// <summary>The requested entry is not supported by this kernel's protocol version or xloadflags.</summary>
    UnsupportedEntry = 900,
    /// <summary>linux-loader InitrdImageSizeTooLarge / no room for the initrd under the protocol's limits.</summary>
    InitrdImageSizeTooLarge = 901,
    /// <summary>Two things the loader places would overlap.</summary>
    PlacementOverlap = 902,

    // Symbols: 1000–1099. Kernel symbols: System.map and kallsyms (ours).
    /// <summary>A System.map / kallsyms listing line is not <c>address type name</c>, or the file is Debian's placeholder.</summary>
    InvalidSystemMap = 1000,
    /// <summary>No kallsyms table could be found in (or decoded from) a vmlinux.</summary>
    KallsymsNotFound = 1001,
    /// <summary>A symbol asked for (a stop point, a global to read back) is not in the kernel's symbol table.</summary>
    UnknownSymbol = 1002,

    // Pe: 1100–1199. PE/COFF wrappers of a kernel: unified kernel images and EFI zboot images (ours).
    /// <summary>A PE/COFF header is malformed: no "PE\0\0" signature where e_lfanew points, or a header or section table past the file.</summary>
    InvalidPeImage = 1100,
    /// <summary>A PE section's file bytes (PointerToRawData, SizeOfRawData) lie past the end of the file.</summary>
    PeSectionOutsideFile = 1101,
    /// <summary>A unified kernel image has no <c>.linux</c> section, or the section is empty.</summary>
    UkiLinuxSectionMissing = 1102,
    /// <summary>A unified kernel image's <c>.linux</c> holds what no UKI may carry there (another UKI) or no kernel at all.</summary>
    UkiNestedImage = 1103,
    /// <summary>An EFI zboot header is malformed: payload out of the file, no Image inside, or the wrong architecture.</summary>
    InvalidZbootHeader = 1104,
    /// <summary>An EFI zboot image names a compression this loader does not decode, or its payload's magic contradicts the name.</summary>
    UnsupportedZbootCompression = 1105,

    // Measure: 1200–1299. Measured direct boot: the SEV hashes table (ours).
    /// <summary>QEMU builds no SEV hashes table for this kernel (a PVH vmlinux takes its pvh.bin path, which adds none).</summary>
    MeasureUnsupportedKernel = 1200,
    /// <summary>The kernel's setup (setup_sects) claims more bytes than the file has, which QEMU rejects as an invalid kernel header.</summary>
    MeasureInvalidKernelHeader = 1201,
}
