using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Memory;
using static LoaderHarness.Loader.Binary.LittleEndian;
using L = LoaderHarness.Loader.Boot.Pvh.StartInfoLayout;

namespace LoaderHarness.Loader.Boot.Pvh;

/// <summary>
/// <c>struct hvm_start_info</c> with the tables it points at, written into and read back from guest
/// memory (the pvh crate's StartInfo / StartInfoReader; linux-loader configurator::pvh).
/// </summary>
public sealed record StartInfo
{
    /// <summary><c>version</c>: 1 adds the memmap fields.</summary>
    public uint Version { get; init; } = 1;
    /// <summary><c>flags</c> (SIF_*).</summary>
    public uint Flags { get; init; }
    /// <summary>Where the modlist table is (0: none).</summary>
    public ulong ModlistAddress { get; init; }
    /// <summary>The modules (the table at <see cref="ModlistAddress"/>).</summary>
    public IReadOnlyList<PvhModule> Modules { get; init; } = [];
    /// <summary><c>cmdline_paddr</c> (0: none).</summary>
    public ulong CommandLineAddress { get; init; }
    /// <summary><c>rsdp_paddr</c> (0: the kernel scans for the RSDP).</summary>
    public ulong RsdpAddress { get; init; }
    /// <summary><c>memmap_paddr</c>.</summary>
    public ulong MemmapAddress { get; init; }
    /// <summary>The memory map (the table at <see cref="MemmapAddress"/>).</summary>
    public IReadOnlyList<MemoryMapEntry> Memmap { get; init; } = [];

    /// <summary>The 56-byte structure itself.</summary>
    public byte[] BuildHeader()
    {
        var b = new byte[L.Size];
        WriteU32(b, 0, L.Magic);
        WriteU32(b, L.Version, Version);
        WriteU32(b, L.Flags, Flags);
        WriteU32(b, L.NrModules, (uint)Modules.Count);
        WriteU64(b, L.ModlistPaddr, Modules.Count == 0 ? 0 : ModlistAddress);
        WriteU64(b, L.CmdlinePaddr, CommandLineAddress);
        WriteU64(b, L.RsdpPaddr, RsdpAddress);
        WriteU64(b, L.MemmapPaddr, MemmapAddress);
        WriteU32(b, L.MemmapEntries, (uint)Memmap.Count);
        return b;
    }

    /// <summary>The memmap table: 24-byte entries.</summary>
    public byte[] BuildMemmap()
    {
        var b = new byte[Memmap.Count * L.MemmapEntrySize];
        for (var i = 0; i < Memmap.Count; i++)
        {
            var e = b.AsSpan(i * L.MemmapEntrySize);
            WriteU64(e, 0, Memmap[i].Address);
            WriteU64(e, 8, Memmap[i].Size);
            WriteU32(e, 16, (uint)Memmap[i].Type);
        }
        return b;
    }

    /// <summary>The modlist table: 32-byte entries.</summary>
    public byte[] BuildModlist()
    {
        var b = new byte[Modules.Count * L.ModlistEntrySize];
        for (var i = 0; i < Modules.Count; i++)
        {
            var e = b.AsSpan(i * L.ModlistEntrySize);
            WriteU64(e, 0, Modules[i].Address);
            WriteU64(e, 8, Modules[i].Size);
            WriteU64(e, 16, Modules[i].CommandLineAddress);
        }
        return b;
    }

    /// <summary>
    /// Writes the structure at <paramref name="address"/> and its tables at their addresses, after
    /// checking every range (linux-loader configurator::pvh: MemmapTableMissing for an empty map,
    /// StartInfoPastRamEnd / MemmapTablePastRamEnd for ranges past the end of guest memory, and
    /// MemmapTableSetup / StartInfoSetup / ModulesSetup for ranges that cross a hole). All-or-nothing.
    /// </summary>
    public void WriteTo(GuestMemory memory, ulong address)
    {
        if (Version >= 1 && Memmap.Count == 0)
            throw new LoaderException(LoaderError.MemmapTableMissing, "a version-1 start_info needs a memory map (linux-loader MemmapTableMissing)");
        // Checked in linux-loader's PvhBootConfigurator order: memmap, start_info, modules.
        var pieces = new List<(ulong Address, byte[] Bytes, string What, LoaderError WriteFailure)>();
        if (Memmap.Count > 0)
            pieces.Add((MemmapAddress, BuildMemmap(), "memmap table", LoaderError.MemmapTableSetup));
        pieces.Add((address, BuildHeader(), "start_info", LoaderError.StartInfoSetup));
        if (Modules.Count > 0)
            pieces.Add((ModlistAddress, BuildModlist(), "modlist table", LoaderError.ModulesSetup));
        foreach (var (at, bytes, what, writeFailure) in pieces)
        {
            if (at == 0 && what != "start_info")
                throw new LoaderException(LoaderError.BootStructureSetup, $"{what} has entries but address 0");
            var end = at + (ulong)bytes.Length;
            if (end < at || end > memory.End)
                throw new LoaderException(LoaderError.BootStructurePastRamEnd, $"{what} [0x{at:x}, +0x{bytes.Length:x}) extends past the end of guest memory");
            // Inside guest memory's span but not all RAM: the write itself would fail (linux-loader *Setup).
            if (!memory.IsRam(at, (ulong)bytes.Length))
                throw new LoaderException(writeFailure, $"{what} [0x{at:x}, +0x{bytes.Length:x}) crosses a hole in guest RAM; it cannot be written");
        }
        for (var i = 0; i < pieces.Count; i++)
            for (var j = i + 1; j < pieces.Count; j++)
                if (Overlaps(pieces[i], pieces[j]))
                    throw new LoaderException(LoaderError.PlacementOverlap, $"{pieces[i].What} overlaps {pieces[j].What}");
        foreach (var (at, bytes, _, _) in pieces)
            memory.Write(at, bytes);
    }

    /// <summary>
    /// Reads a start_info and its tables back from guest memory, checking what the kernel checks
    /// (magic; arch/x86/platform/pvh/enlighten.c) and that every table is in RAM.
    /// </summary>
    public static StartInfo ReadFrom(GuestMemory memory, ulong address)
    {
        if (!memory.IsRam(address, L.Size))
            throw new LoaderException(LoaderError.BootStructurePastRamEnd, $"start_info at 0x{address:x} is not in guest RAM");
        var b = memory.ReadBytes(address, L.Size);
        var magic = ReadU32(b, 0);
        if (magic != L.Magic)
            throw new LoaderException(LoaderError.InvalidMagic, $"start_info magic 0x{magic:x8}, expected 0x{L.Magic:x8}");
        var version = ReadU32(b, L.Version);
        var nrModules = ReadU32(b, L.NrModules);
        var modlist = ReadU64(b, L.ModlistPaddr);
        var memmap = version >= 1 ? ReadU64(b, L.MemmapPaddr) : 0;
        var entries = version >= 1 ? ReadU32(b, L.MemmapEntries) : 0;
        return new StartInfo
        {
            Version = version,
            Flags = ReadU32(b, L.Flags),
            ModlistAddress = modlist,
            Modules = ReadTable(memory, modlist, nrModules, L.ModlistEntrySize, "modlist",
                e => new PvhModule(ReadU64(e, 0), ReadU64(e, 8), ReadU64(e, 16))),
            CommandLineAddress = ReadU64(b, L.CmdlinePaddr),
            RsdpAddress = ReadU64(b, L.RsdpPaddr),
            MemmapAddress = memmap,
            Memmap = ReadTable(memory, memmap, entries, L.MemmapEntrySize, "memmap",
                e => new MemoryMapEntry(ReadU64(e, 0), ReadU64(e, 8), (MemoryType)ReadU32(e, 16))),
        };
    }

    /// <summary>A sanity bound on table sizes read from the guest (Xen itself uses far fewer).</summary>
    private const uint MaxTableEntries = 0x1_0000;

    private delegate T EntryReader<T>(ReadOnlySpan<byte> entry);

    private static T[] ReadTable<T>(GuestMemory memory, ulong address, uint count, int entrySize, string what, EntryReader<T> read)
    {
        if (count == 0)
            return [];
        if (count > MaxTableEntries)
            throw new LoaderException(LoaderError.BootStructureSetup, $"{what} table claims {count} entries (more than {MaxTableEntries})");
        var length = (ulong)count * (ulong)entrySize;
        if (address == 0 || !memory.IsRam(address, length))
            throw new LoaderException(LoaderError.BootStructurePastRamEnd, $"{what} table [0x{address:x}, +0x{length:x}) is not in guest RAM");
        var bytes = memory.ReadBytes(address, (int)length);
        var result = new T[count];
        for (var i = 0; i < count; i++)
            result[i] = read(bytes.AsSpan(i * entrySize, entrySize));
        return result;
    }

    private static bool Overlaps((ulong Address, byte[] Bytes, string, LoaderError) a, (ulong Address, byte[] Bytes, string, LoaderError) b) =>
        a.Address < b.Address + (ulong)b.Bytes.Length && b.Address < a.Address + (ulong)a.Bytes.Length;
}
