using System.Runtime.InteropServices;

namespace LoaderHarness.Loader.Boot.ZeroPage;

/// <summary>
/// <c>struct edd_device_params</c> (include/uapi/linux/edd.h, packed; EDDPARMSIZE 74): the BIOS INT 13h AH=48h
/// drive parameters. <c>interface_path</c> and <c>device_path</c> are unions kept as raw bytes.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = SizeInBytes)]
public struct EddDeviceParams
{
    /// <summary>EDDPARMSIZE.</summary>
    public const int SizeInBytes = 74;

    /// <summary><c>length</c> (0x00).</summary>
    [FieldOffset(0x00)] public ushort Length;
    /// <summary><c>info_flags</c> (0x02): EDD_INFO_*.</summary>
    [FieldOffset(0x02)] public ushort InfoFlags;
    /// <summary><c>num_default_cylinders</c> (0x04).</summary>
    [FieldOffset(0x04)] public uint NumDefaultCylinders;
    /// <summary><c>num_default_heads</c> (0x08).</summary>
    [FieldOffset(0x08)] public uint NumDefaultHeads;
    /// <summary><c>sectors_per_track</c> (0x0c).</summary>
    [FieldOffset(0x0C)] public uint SectorsPerTrack;
    /// <summary><c>number_of_sectors</c> (0x10).</summary>
    [FieldOffset(0x10)] public ulong NumberOfSectors;
    /// <summary><c>bytes_per_sector</c> (0x18).</summary>
    [FieldOffset(0x18)] public ushort BytesPerSector;
    /// <summary><c>dpte_ptr</c> (0x1a).</summary>
    [FieldOffset(0x1A)] public uint DptePtr;
    /// <summary><c>key</c> (0x1e): 0xBEDD when the device path is present.</summary>
    [FieldOffset(0x1E)] public ushort Key;
    /// <summary><c>device_path_info_length</c> (0x20).</summary>
    [FieldOffset(0x20)] public byte DevicePathInfoLength;
    /// <summary><c>reserved2</c> (0x21).</summary>
    [FieldOffset(0x21)] public byte Reserved2;
    /// <summary><c>reserved3</c> (0x22).</summary>
    [FieldOffset(0x22)] public ushort Reserved3;
    /// <summary><c>host_bus_type[4]</c> (0x24).</summary>
    [FieldOffset(0x24)] public FixedBytes4 HostBusType;
    /// <summary><c>interface_type[8]</c> (0x28).</summary>
    [FieldOffset(0x28)] public FixedBytes8 InterfaceType;
    /// <summary><c>interface_path</c> (0x30), an 8-byte union.</summary>
    [FieldOffset(0x30)] public FixedBytes8 InterfacePath;
    /// <summary><c>device_path</c> (0x38), a 16-byte union.</summary>
    [FieldOffset(0x38)] public FixedBytes16 DevicePath;
    /// <summary><c>reserved4</c> (0x48).</summary>
    [FieldOffset(0x48)] public byte Reserved4;
    /// <summary><c>checksum</c> (0x49).</summary>
    [FieldOffset(0x49)] public byte Checksum;
}
