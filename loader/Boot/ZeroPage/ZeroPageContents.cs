using System.Buffers.Binary;
using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Images.BzImage;
using L = LoaderHarness.Loader.Boot.ZeroPage.BootParamsLayout;

namespace LoaderHarness.Loader.Boot.ZeroPage;

/// <summary>What a zero page says, read the way the kernel reads it (64-bit values joined from their ext_* halves).</summary>
public sealed record ZeroPageContents(
    SetupHeader Header,
    byte Sentinel,
    ulong CommandLineAddress,
    ulong InitrdAddress,
    ulong InitrdSize,
    ulong AcpiRsdpAddress,
    IReadOnlyList<MemoryMapEntry> E820)
{
    /// <summary>Reads a 4096-byte <c>boot_params</c>.</summary>
    public static ZeroPageContents Read(ReadOnlySpan<byte> page)
    {
        if (page.Length < L.Size)
            throw new ArgumentException($"a zero page is {L.Size} bytes", nameof(page));
        var count = Math.Min((int)page[L.E820Entries], L.E820MaxEntries);
        var e820 = new MemoryMapEntry[count];
        for (var i = 0; i < count; i++)
        {
            var e = page.Slice(L.E820Table + i * L.E820EntrySize, L.E820EntrySize);
            e820[i] = new MemoryMapEntry(U64(e, 0), U64(e, 8), (MemoryType)U32(e, 16));
        }
        // arch/x86/kernel/head64.c get_cmd_line_ptr / arch/x86/kernel/setup.c get_ramdisk_image.
        return new ZeroPageContents(
            SetupHeader.Parse(page),
            page[L.Sentinel],
            U32(page, L.CmdLinePtr) | (ulong)U32(page, L.ExtCmdLinePtr) << 32,
            U32(page, L.RamdiskImage) | (ulong)U32(page, L.ExtRamdiskImage) << 32,
            U32(page, L.RamdiskSize) | (ulong)U32(page, L.ExtRamdiskSize) << 32,
            U64(page, L.AcpiRsdpAddr),
            e820);
    }

    private static uint U32(ReadOnlySpan<byte> b, int o) => BinaryPrimitives.ReadUInt32LittleEndian(b[o..]);
    private static ulong U64(ReadOnlySpan<byte> b, int o) => BinaryPrimitives.ReadUInt64LittleEndian(b[o..]);
}
