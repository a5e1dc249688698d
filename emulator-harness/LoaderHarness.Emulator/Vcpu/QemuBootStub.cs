using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Emulator.Vcpu;

/// <summary>
/// The six-instruction boot loader QEMU writes at the start of RAM for an AArch64 Linux boot
/// (hw/arm/boot.c bootloader_aarch64, fixed up by write_bootloader): x0 = the DTB, x1–x3 = 0, then a branch to
/// the kernel's entry through x4. The DTB and entry addresses follow the code as two 64-bit literals
/// (FIXUP_ARGPTR_LO/HI, FIXUP_ENTRYPOINT_LO/HI).
/// </summary>
public static class QemuBootStub
{
    /// <summary>Instructions the stub executes before the kernel's first.</summary>
    public const int Instructions = 6;

    /// <summary>The stub's size in bytes: six instructions and two literals.</summary>
    public const int Size = (6 * 4) + (2 * 8);

    // ldr x0, arg; mov x1, xzr; mov x2, xzr; mov x3, xzr; ldr x4, entry; br x4 (bootloader_aarch64's encodings).
    private static readonly uint[] Code = [0x5800_00C0, 0xAA1F_03E1, 0xAA1F_03E2, 0xAA1F_03E3, 0x5800_0084, 0xD61F_0080];

    /// <summary>Writes the stub at <paramref name="address"/>, loading <paramref name="dtb"/> into x0 and branching to <paramref name="entry"/>.</summary>
    public static void Write(GuestMemory memory, ulong address, ulong dtb, ulong entry)
    {
        for (var i = 0; i < Code.Length; i++)
            memory.WriteU32(address + (ulong)(4 * i), Code[i]);
        memory.WriteU64(address + 24, dtb);
        memory.WriteU64(address + 32, entry);
    }
}
