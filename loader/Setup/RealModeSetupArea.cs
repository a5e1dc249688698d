using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images.BzImage;

namespace LoaderHarness.Loader.Setup;

/// <summary>
/// The bzImage's real-mode part as a loader leaves it for the 16-bit entry: the setup sectors copied to the
/// real-mode base with the loader's header fields written in place (boot.rst "Loading the rest of the
/// kernel" and "Running the Kernel"; QEMU hw/i386/x86-common.c x86_load_linux for the values).
/// </summary>
internal static class RealModeSetupArea
{
    /// <summary>boot.rst: the setup segment and its heap stay within one 64 KiB segment.</summary>
    private const ulong SegmentSize = 0x1_0000;
    /// <summary>boot.rst: the command line must sit below 0xA0000 for the real-mode code to reach it.</summary>
    private const ulong ConventionalTop = 0xA_0000;

    /// <summary>
    /// Builds the setup bytes to place at <paramref name="realModeBase"/>. The heap runs to the command line
    /// (at most the 64 KiB segment): heap_end_ptr = heap end − 0x200, as QEMU writes 0xFE00 for 0x10000/0x20000.
    /// </summary>
    public static byte[] Build(ReadOnlySpan<byte> image, SetupHeader header, ulong realModeBase, ulong cmdline, int cmdlineLength,
        (ulong Address, ulong Size)? initrd, byte typeOfLoader, uint code32Start)
    {
        if ((realModeBase & 0xF) != 0 || realModeBase + SegmentSize > ConventionalTop)
            throw new LoaderException(LoaderError.BootStructureSetup,
                $"real-mode base 0x{realModeBase:x} must be 16-byte aligned with its 64 KiB segment below 0xA0000 (boot.rst)");
        var setupSize = (ulong)header.ProtectedModeOffset;
        if (cmdline < realModeBase + setupSize || cmdline + (ulong)cmdlineLength > ConventionalTop)
            throw new LoaderException(LoaderError.BootStructureSetup,
                $"command line 0x{cmdline:x} must lie between the setup code's end 0x{realModeBase + setupSize:x} and 0xA0000 (boot.rst 2.02+)");
        if ((ulong)image.Length < setupSize)
            throw new LoaderException(LoaderError.TruncatedImage, $"setup code needs 0x{setupSize:x} bytes; the image has 0x{image.Length:x}");

        // The jump's offset byte says where the header ends (boot.rst "jump"); a value past the 2.15 header
        // (0x26c) would copy kernel bytes as header fields. The zero-page path refuses it the same way.
        if (header.HeaderEnd < 0x202 || header.HeaderEnd > SetupHeader.Offset + SetupHeader.Size)
            throw new LoaderException(LoaderError.BootStructureSetup, $"header end 0x{header.HeaderEnd:x} is outside [0x202, 0x26c]");
        var area = image[..(int)setupSize].ToArray();
        var heapEnd = Math.Min(cmdline - realModeBase, SegmentSize);
        var patched = header with
        {
            TypeOfLoader = typeOfLoader,
            LoadFlags = header.Version >= 0x0201 ? (byte)(header.LoadFlags | SetupHeader.CanUseHeap) : header.LoadFlags,
            HeapEndPtr = header.Version >= 0x0201 ? (ushort)(heapEnd - 0x200) : header.HeapEndPtr,
            CmdLinePtr = (uint)cmdline,
            RamdiskImage = (uint)(initrd?.Address ?? 0),
            RamdiskSize = (uint)(initrd?.Size ?? 0),
            Code32Start = code32Start,
        };
        // Write only the bytes this protocol version defines; the rest of the sectors are the kernel's code.
        var page = new byte[SetupHeader.Offset + SetupHeader.Size];
        patched.WriteTo(page);
        page.AsSpan(SetupHeader.Offset, header.HeaderEnd - SetupHeader.Offset).CopyTo(area.AsSpan(SetupHeader.Offset));
        return area;
    }

    /// <summary>The 16-bit entry's linear address: the <c>jump</c> field at setup offset 0x200 (CS = seg + 0x20, IP = 0).</summary>
    public static ulong Entry(ulong realModeBase) => realModeBase + 0x200;
}
