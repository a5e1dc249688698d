using LoaderHarness.Loader.Errors;
using NUnit.Framework;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Errors;

/// <summary>
/// Pins every <see cref="LoaderError"/> name, value and module: reports and the CLI print these codes, so a
/// rename or renumbering must fail here first. New codes go at the end of their module's range.
/// </summary>
[TestFixture]
public sealed class LoaderErrorTests
{
    private static readonly (LoaderError Code, int Value, LoaderErrorModule Module)[] Pinned =
    [
        (LoaderError.GuestAddressOutOfRange, 100, LoaderErrorModule.Memory),
        (LoaderError.InvalidMemoryLayout, 101, LoaderErrorModule.Memory),
        (LoaderError.HostAllocationFailed, 102, LoaderErrorModule.Memory),
        (LoaderError.TruncatedImage, 200, LoaderErrorModule.Loader),
        (LoaderError.InvalidKernelStartAddress, 201, LoaderErrorModule.Loader),
        (LoaderError.MemoryOverflow, 202, LoaderErrorModule.Loader),
        (LoaderError.UnknownImageFormat, 203, LoaderErrorModule.Loader),
        (LoaderError.ReadKernelImage, 204, LoaderErrorModule.Loader),
        (LoaderError.InvalidElfMagicNumber, 300, LoaderErrorModule.Elf),
        (LoaderError.BigEndianElfOnLittle, 301, LoaderErrorModule.Elf),
        (LoaderError.UnsupportedElfClass, 302, LoaderErrorModule.Elf),
        (LoaderError.InvalidProgramHeaderSize, 303, LoaderErrorModule.Elf),
        (LoaderError.InvalidProgramHeaderOffset, 304, LoaderErrorModule.Elf),
        (LoaderError.InvalidProgramHeaderAddress, 305, LoaderErrorModule.Elf),
        (LoaderError.InvalidEntryAddress, 306, LoaderErrorModule.Elf),
        (LoaderError.ReadProgramHeader, 307, LoaderErrorModule.Elf),
        (LoaderError.SegmentOutsideFile, 308, LoaderErrorModule.Elf),
        (LoaderError.ReadNoteHeader, 309, LoaderErrorModule.Elf),
        (LoaderError.InvalidPvhNote, 310, LoaderErrorModule.Elf),
        (LoaderError.Overflow, 311, LoaderErrorModule.Elf),
        (LoaderError.Align, 312, LoaderErrorModule.Elf),
        (LoaderError.SeekKernelStart, 313, LoaderErrorModule.Elf),
        (LoaderError.SeekElfStart, 314, LoaderErrorModule.Elf),
        (LoaderError.SeekProgramHeader, 315, LoaderErrorModule.Elf),
        (LoaderError.SeekNoteHeader, 316, LoaderErrorModule.Elf),
        (LoaderError.InvalidBzImage, 400, LoaderErrorModule.BzImage),
        (LoaderError.Underflow, 401, LoaderErrorModule.BzImage),
        (LoaderError.InvalidBootFlag, 402, LoaderErrorModule.BzImage),
        (LoaderError.SeekBzImageEnd, 403, LoaderErrorModule.BzImage),
        (LoaderError.SeekBzImageHeader, 404, LoaderErrorModule.BzImage),
        (LoaderError.SeekBzImageCompressedKernel, 405, LoaderErrorModule.BzImage),
        (LoaderError.InvalidImageMagicNumber, 500, LoaderErrorModule.Image),
        (LoaderError.InvalidBaseAddrAlignment, 501, LoaderErrorModule.Image),
        (LoaderError.InvalidImage, 502, LoaderErrorModule.Image),
        (LoaderError.DtbTooBig, 503, LoaderErrorModule.Image),
        (LoaderError.SeekImageEnd, 504, LoaderErrorModule.Image),
        (LoaderError.SeekImageHeader, 505, LoaderErrorModule.Image),
        (LoaderError.SeekDtbStart, 506, LoaderErrorModule.Image),
        (LoaderError.SeekDtbEnd, 507, LoaderErrorModule.Image),
        (LoaderError.ReadDtbImage, 508, LoaderErrorModule.Image),
        (LoaderError.InvalidPayload, 600, LoaderErrorModule.Payload),
        (LoaderError.PayloadDecompression, 601, LoaderErrorModule.Payload),
        (LoaderError.CommandLineTooLarge, 700, LoaderErrorModule.Cmdline),
        (LoaderError.InvalidAscii, 701, LoaderErrorModule.Cmdline),
        (LoaderError.HasSpace, 702, LoaderErrorModule.Cmdline),
        (LoaderError.HasEquals, 703, LoaderErrorModule.Cmdline),
        (LoaderError.MissingValue, 704, LoaderErrorModule.Cmdline),
        (LoaderError.MmioSize, 705, LoaderErrorModule.Cmdline),
        (LoaderError.NoQuoteSpace, 706, LoaderErrorModule.Cmdline),
        (LoaderError.InvalidCapacity, 707, LoaderErrorModule.Cmdline),
        (LoaderError.NullTerminator, 708, LoaderErrorModule.Cmdline),
        (LoaderError.CommandLineOverflow, 709, LoaderErrorModule.Cmdline),
        (LoaderError.InvalidQuote, 710, LoaderErrorModule.Cmdline),
        (LoaderError.NoBootArgsInserted, 711, LoaderErrorModule.Cmdline),
        (LoaderError.CommandLineCopy, 712, LoaderErrorModule.Cmdline),
        (LoaderError.BootStructurePastRamEnd, 800, LoaderErrorModule.BootStructure),
        (LoaderError.BootStructureSetup, 801, LoaderErrorModule.BootStructure),
        (LoaderError.TooManyMemoryMapEntries, 802, LoaderErrorModule.BootStructure),
        (LoaderError.MemmapTableMissing, 803, LoaderErrorModule.BootStructure),
        (LoaderError.InvalidMagic, 804, LoaderErrorModule.BootStructure),
        (LoaderError.InvalidDeviceTree, 805, LoaderErrorModule.BootStructure),
        (LoaderError.MemmapTableSetup, 806, LoaderErrorModule.BootStructure),
        (LoaderError.StartInfoSetup, 807, LoaderErrorModule.BootStructure),
        (LoaderError.ModulesSetup, 808, LoaderErrorModule.BootStructure),
        (LoaderError.WriteFdtToMemory, 809, LoaderErrorModule.BootStructure),
        (LoaderError.MissingStartAddress, 810, LoaderErrorModule.BootStructure),
        (LoaderError.BootParameterOverflow, 811, LoaderErrorModule.BootStructure),
        (LoaderError.InvalidAddress, 812, LoaderErrorModule.BootStructure),
        (LoaderError.MemmapTableAddressMissing, 813, LoaderErrorModule.BootStructure),
        (LoaderError.ModulesAddressMissing, 814, LoaderErrorModule.BootStructure),
        (LoaderError.UnsupportedEntry, 900, LoaderErrorModule.Setup),
        (LoaderError.InitrdImageSizeTooLarge, 901, LoaderErrorModule.Setup),
        (LoaderError.PlacementOverlap, 902, LoaderErrorModule.Setup),
        (LoaderError.InvalidSystemMap, 1000, LoaderErrorModule.Symbols),
        (LoaderError.KallsymsNotFound, 1001, LoaderErrorModule.Symbols),
        (LoaderError.UnknownSymbol, 1002, LoaderErrorModule.Symbols),
        (LoaderError.InvalidPeImage, 1100, LoaderErrorModule.Pe),
        (LoaderError.PeSectionOutsideFile, 1101, LoaderErrorModule.Pe),
        (LoaderError.UkiLinuxSectionMissing, 1102, LoaderErrorModule.Pe),
        (LoaderError.UkiNestedImage, 1103, LoaderErrorModule.Pe),
        (LoaderError.InvalidZbootHeader, 1104, LoaderErrorModule.Pe),
        (LoaderError.UnsupportedZbootCompression, 1105, LoaderErrorModule.Pe),
        (LoaderError.MeasureUnsupportedKernel, 1200, LoaderErrorModule.Measure),
        (LoaderError.MeasureInvalidKernelHeader, 1201, LoaderErrorModule.Measure),
    ];

    private static IEnumerable<TestCaseData> Codes() =>
        Pinned.Select(p => new TestCaseData(p.Code, p.Value, p.Module).SetName($"{{m}}({p.Code})"));

    [Test]
    public void Every_code_is_pinned() =>
        Enum.GetValues<LoaderError>().ShouldBe(Pinned.Select(p => p.Code), ignoreOrder: true);

    [TestCaseSource(nameof(Codes))]
    public void Value_and_module_are_stable(LoaderError code, int value, LoaderErrorModule module)
    {
        ((int)code).ShouldBe(value);
        code.Module().ShouldBe(module);
        new LoaderException(code, "x").Module.ShouldBe(module);
    }

    [Test]
    public void Names_are_stable() =>
        // The CLI prints codes by name: the names are part of the interface.
        Pinned.Select(p => p.Code.ToString()).ShouldBe(
        [
            "GuestAddressOutOfRange", "InvalidMemoryLayout", "HostAllocationFailed", "TruncatedImage", "InvalidKernelStartAddress", "MemoryOverflow",
            "UnknownImageFormat", "ReadKernelImage", "InvalidElfMagicNumber", "BigEndianElfOnLittle", "UnsupportedElfClass", "InvalidProgramHeaderSize",
            "InvalidProgramHeaderOffset", "InvalidProgramHeaderAddress", "InvalidEntryAddress", "ReadProgramHeader", "SegmentOutsideFile", "ReadNoteHeader",
            "InvalidPvhNote", "Overflow", "Align", "SeekKernelStart", "SeekElfStart", "SeekProgramHeader", "SeekNoteHeader",
            "InvalidBzImage", "Underflow", "InvalidBootFlag", "SeekBzImageEnd", "SeekBzImageHeader", "SeekBzImageCompressedKernel",
            "InvalidImageMagicNumber", "InvalidBaseAddrAlignment", "InvalidImage", "DtbTooBig",
            "SeekImageEnd", "SeekImageHeader", "SeekDtbStart", "SeekDtbEnd", "ReadDtbImage", "InvalidPayload", "PayloadDecompression",
            "CommandLineTooLarge", "InvalidAscii", "HasSpace", "HasEquals", "MissingValue", "MmioSize",
            "NoQuoteSpace", "InvalidCapacity", "NullTerminator", "CommandLineOverflow", "InvalidQuote", "NoBootArgsInserted", "CommandLineCopy",
            "BootStructurePastRamEnd", "BootStructureSetup", "TooManyMemoryMapEntries", "MemmapTableMissing", "InvalidMagic", "InvalidDeviceTree",
            "MemmapTableSetup", "StartInfoSetup", "ModulesSetup", "WriteFdtToMemory", "MissingStartAddress", "BootParameterOverflow",
            "InvalidAddress", "MemmapTableAddressMissing", "ModulesAddressMissing",
            "UnsupportedEntry", "InitrdImageSizeTooLarge", "PlacementOverlap", "InvalidSystemMap", "KallsymsNotFound", "UnknownSymbol",
            "InvalidPeImage", "PeSectionOutsideFile", "UkiLinuxSectionMissing", "UkiNestedImage", "InvalidZbootHeader", "UnsupportedZbootCompression",
            "MeasureUnsupportedKernel", "MeasureInvalidKernelHeader"
        ]);

    [Test]
    public void Each_module_owns_one_range_of_a_hundred()
    {
        foreach (var (code, value, module) in Pinned)
            (value / 100).ShouldBe((int)module, code.ToString());
        Enum.GetValues<LoaderErrorModule>().ShouldAllBe(m => Pinned.Any(p => p.Module == m));
    }
}
