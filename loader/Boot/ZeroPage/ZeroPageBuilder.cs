using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images.BzImage;
using static LoaderHarness.Loader.Binary.LittleEndian;
using L = LoaderHarness.Loader.Boot.ZeroPage.BootParamsLayout;

namespace LoaderHarness.Loader.Boot.ZeroPage;

/// <summary>
/// Builds <c>struct boot_params</c> the way boot.rst asks since Linux 5.3: a zeroed page with only
/// the setup header copied in (so the sentinel at 0x1EF stays 0 and the kernel keeps the ext_* and
/// acpi_rsdp_addr fields), then the loader's fields.
/// </summary>
public static class ZeroPageBuilder
{
    /// <summary>Builds the 4096-byte page; rejects values the kernel's protocol cannot carry.</summary>
    public static byte[] Build(ZeroPageSpec spec)
    {
        var header = spec.Header;
        if (spec.HeaderEnd < 0x202 || spec.HeaderEnd > SetupHeader.Offset + SetupHeader.Size)
            throw new LoaderException(LoaderError.BootStructureSetup, $"header end 0x{spec.HeaderEnd:x} is outside [0x202, 0x26c]");
        if (spec.E820.Count > L.E820MaxEntries)
            throw new LoaderException(LoaderError.TooManyMemoryMapEntries,
                $"{spec.E820.Count} e820 entries; the zero page holds {L.E820MaxEntries} (put the rest in SETUP_E820_EXT)");
        var above4G = header.EffectiveXLoadFlags.HasFlag(XLoadFlags.CanBeLoadedAbove4G);
        CheckBelow4G(spec.CommandLineAddress, "command line", above4G);
        CheckBelow4G(spec.InitrdAddress, "initrd", above4G);
        CheckBelow4G(spec.InitrdSize, "initrd size", above4G);
        if (spec.SetupDataAddress != 0 && header.Version < 0x0209)
            throw new LoaderException(LoaderError.UnsupportedEntry, $"setup_data needs protocol 2.09+; the kernel speaks {header.ProtocolVersion}");

        var page = new byte[L.Size];
        var image = new byte[L.Size];
        header.WriteTo(image);
        image.AsSpan(L.Header, spec.HeaderEnd - L.Header).CopyTo(page.AsSpan(L.Header));

        var p = page.AsSpan();
        p[L.TypeOfLoader] = spec.TypeOfLoader;
        if (spec.CommandLineAddress != 0)
        {
            WriteU32(p, L.CmdLinePtr, (uint)spec.CommandLineAddress);
            WriteU32(p, L.ExtCmdLinePtr, (uint)(spec.CommandLineAddress >> 32));
        }
        WriteU32(p, L.RamdiskImage, (uint)spec.InitrdAddress);
        WriteU32(p, L.RamdiskSize, (uint)spec.InitrdSize);
        WriteU32(p, L.ExtRamdiskImage, (uint)(spec.InitrdAddress >> 32));
        WriteU32(p, L.ExtRamdiskSize, (uint)(spec.InitrdSize >> 32));
        WriteU64(p, L.AcpiRsdpAddr, spec.AcpiRsdpAddress);
        WriteU64(p, L.SetupData, spec.SetupDataAddress);
        p[L.E820Entries] = (byte)spec.E820.Count;
        for (var i = 0; i < spec.E820.Count; i++)
            spec.E820[i].WriteE820(p.Slice(L.E820Table + i * L.E820EntrySize, L.E820EntrySize));
        return page;
    }

    private static void CheckBelow4G(ulong value, string what, bool above4GAllowed)
    {
        if (value > uint.MaxValue && !above4GAllowed)
            throw new LoaderException(LoaderError.UnsupportedEntry,
                $"{what} 0x{value:x} needs the ext_* fields, but the kernel lacks XLF_CAN_BE_LOADED_ABOVE_4G (boot.rst 2.12)");
    }
}
