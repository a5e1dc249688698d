using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Images.BzImage;
using static LoaderHarness.Loader.Binary.LittleEndian;
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
            e820[i] = new MemoryMapEntry(ReadU64(e, 0), ReadU64(e, 8), (MemoryType)ReadU32(e, 16));
        }
        // arch/x86/kernel/head64.c get_cmd_line_ptr / arch/x86/kernel/setup.c get_ramdisk_image.
        return new ZeroPageContents(
            SetupHeader.Parse(page),
            page[L.Sentinel],
            ReadU32(page, L.CmdLinePtr) | (ulong)ReadU32(page, L.ExtCmdLinePtr) << 32,
            ReadU32(page, L.RamdiskImage) | (ulong)ReadU32(page, L.ExtRamdiskImage) << 32,
            ReadU32(page, L.RamdiskSize) | (ulong)ReadU32(page, L.ExtRamdiskSize) << 32,
            ReadU64(page, L.AcpiRsdpAddr),
            e820);
    }
}
