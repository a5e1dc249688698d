namespace LoaderHarness.Emulator.Vcpu.Bios;

/// <summary>
/// INT 13h on a machine with no disks: every function for every drive fails with AH = 01h, CF set, the status
/// kept in the BDA, as SeaBIOS's src/disk.c handle_legacy_disk does when getDrive finds no drive (disk_ret with
/// DISK_RET_EPARAM; floppy_last_status below drive 80h, disk_last_status from it). Linux's arch/x86/boot/edd.c
/// asks AH=41h (extensions present) and AX=0201h (read the MBR) for drives 80h up; RBIL INT 13h AH=41h and
/// AH=02h give CF set as "error / extensions not supported".
/// </summary>
internal static class DiskServices
{
    /// <summary>RBIL INT 13h status 01h "invalid function in AH or invalid parameter" (SeaBIOS DISK_RET_EPARAM).</summary>
    public const byte InvalidParameter = 0x01;

    /// <summary>Answers every call in <paramref name="f"/> as "no such drive".</summary>
    public static bool Answer(BiosFrame f)
    {
        f.Cpu.Memory.WriteU8(f.Dl < 0x80 ? BiosDataArea.FloppyLastStatus : BiosDataArea.DiskLastStatus, InvalidParameter);
        f.Fail(InvalidParameter);
        return true;
    }
}
