namespace LoaderHarness.Loader.Boot.MemoryMap;

/// <summary>
/// Memory range types shared by the x86 e820 table and the PVH memmap (ACPI numbering; Linux
/// arch/x86/include/uapi/asm/e820.h, xen/include/public/arch-x86/hvm/start_info.h).
/// </summary>
public enum MemoryType : uint
{
    /// <summary>E820_TYPE_RAM / XEN_HVM_MEMMAP_TYPE_RAM.</summary>
    Ram = 1,
    /// <summary>E820_TYPE_RESERVED.</summary>
    Reserved = 2,
    /// <summary>E820_TYPE_ACPI: reclaimable ACPI tables.</summary>
    Acpi = 3,
    /// <summary>E820_TYPE_NVS: ACPI non-volatile storage.</summary>
    Nvs = 4,
    /// <summary>E820_TYPE_UNUSABLE.</summary>
    Unusable = 5,
    /// <summary>XEN_HVM_MEMMAP_TYPE_DISABLED (PVH only).</summary>
    Disabled = 6,
    /// <summary>E820_TYPE_PMEM.</summary>
    PersistentMemory = 7,
}

/// <summary>One range of the guest's memory map (e820 entry / PVH memmap entry).</summary>
public readonly record struct MemoryMapEntry(ulong Address, ulong Size, MemoryType Type)
{
    /// <summary>sizeof(struct boot_e820_entry): u64 addr, u64 size, u32 type, packed (bootparam.h).</summary>
    public const int E820Size = 20;

    /// <summary>One past the last byte.</summary>
    public ulong End => Address + Size;

    /// <summary>Writes the entry as a 20-byte <c>boot_e820_entry</c> (zero page table and SETUP_E820_EXT).</summary>
    public void WriteE820(Span<byte> destination)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(destination, Address);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Size);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], (uint)Type);
    }

    /// <inheritdoc />
    public override string ToString() => $"[0x{Address:x}, 0x{End:x}) {Type}";
}
