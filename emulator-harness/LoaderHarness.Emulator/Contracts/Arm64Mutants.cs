using System.Buffers.Binary;
using LoaderHarness.Emulator.Arm64;

namespace LoaderHarness.Emulator.Contracts;

/// <summary>The seeded arm64 faults: each must be caught by at least one arm64 contract.</summary>
public static class Arm64Mutants
{
    /// <summary>All of them.</summary>
    public static IReadOnlyList<Arm64Mutant> All { get; } =
    [
        new("arm64.x0-wrong", "x0 points 4 KiB past the DTB", Always, b => b.Cpu[0] = b.Dtb + 0x1000),
        new("arm64.x1-nonzero", "x1 is 1", Always, b => b.Cpu[1] = 1),
        new("arm64.daif-unmasked", "PSTATE.DAIF is clear (interrupts unmasked)", Always, b => b.Cpu.Daif = 0),
        new("arm64.el0-entry", "the kernel is entered at EL0", Always, b => b.Cpu.Pstate = b.Cpu.Pstate & ~0xFUL),
        new("arm64.mmu-on", "SCTLR_ELx.M is set at entry", Always, b =>
        {
            var name = b.Cpu.ExceptionLevel == 2 ? "SCTLR_EL2" : "SCTLR_EL1";
            b.Cpu.WriteSystemRegister(name, b.Cpu.ReadSystemRegister(name) | 1);
        }),
        new("arm64.cntfrq-zero", "CNTFRQ_EL0 is not programmed", Always, b => b.Cpu.WriteSystemRegister("CNTFRQ_EL0", 0)),
        new("arm64.dtb-misaligned", "the DTB is moved 4 bytes up and x0 follows it", Always, b => MoveDtb(b, b.Dtb + 4)),
        new("arm64.dtb-bad-magic", "the DTB's magic is zeroed", Always, b => b.Memory.WriteU32(b.Dtb, 0)),
        new("arm64.dtb-too-big", "the DTB header claims 2 MiB + 8 bytes", Always, b =>
        {
            Span<byte> size = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(size, 0x20_0008);
            b.Memory.Write(b.Dtb + 4, size);
        }),
        new("arm64.dtb-in-image", "the DTB is placed inside the Image's image_size (its BSS) and x0 follows it", b => ImageRoomForDtb(b) is not null, b =>
            MoveDtb(b, ImageRoomForDtb(b)!.Value)),
        new("arm64.image-off-2mib", "the Image is loaded 4 KiB above its 2 MiB-aligned base + text_offset", Always, b =>
        {
            var kernel = b.Guest.Kernel;
            var bytes = b.Memory.ReadBytes(kernel.KernelLoad, (int)(kernel.KernelEnd - kernel.KernelLoad));
            b.Memory.Write(kernel.KernelLoad + 0x1000, bytes);
            b.Cpu.Pc += 0x1000;
            b.Cpu.InvalidateCodeCache();
        }),
    ];

    private static bool Always(Arm64BootCase b) => true;

    /// <summary>Copies the DTB to <paramref name="to"/> and points x0 there.</summary>
    private static void MoveDtb(Arm64BootCase b, ulong to)
    {
        b.Memory.Write(to, b.Guest.BootStructure);
        b.Cpu[0] = to;
    }

    /// <summary>An 8-aligned spot in the Image's BSS (past the file, inside image_size) large enough for the DTB, if any.</summary>
    private static ulong? ImageRoomForDtb(Arm64BootCase b)
    {
        var kernel = b.Guest.Kernel;
        var at = (kernel.KernelEnd + 7) & ~7UL;
        return at + (ulong)b.Guest.BootStructure.Length <= kernel.ClaimedEnd ? at : null;
    }
}
