using System.Buffers.Binary;
using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Contracts;

// The seeded arm64 faults: each must be caught by at least one arm64 contract.
public static partial class Mutants
{
    /// <summary>The arm64 faults.</summary>
    public static IReadOnlyList<Mutant> Arm64 { get; } =
    [
        A("arm64.x0-wrong", "x0 points 4 KiB past the DTB", Always, b => b.Arm64[0] = b.Dtb + 0x1000),
        A("arm64.x1-nonzero", "x1 is 1", Always, b => b.Arm64[1] = 1),
        A("arm64.daif-unmasked", "PSTATE.DAIF is clear (interrupts unmasked)", Always, b => b.Arm64.Daif = 0),
        A("arm64.el0-entry", "the kernel is entered at EL0", Always, b => b.Arm64.Pstate = b.Arm64.Pstate & ~0xFUL),
        A("arm64.mmu-on", "SCTLR_ELx.M is set at entry", Always, b =>
        {
            var name = b.Arm64.ExceptionLevel == 2 ? "SCTLR_EL2" : "SCTLR_EL1";
            b.Arm64.WriteSystemRegister(name, b.Arm64.ReadSystemRegister(name) | 1);
        }),
        A("arm64.cntfrq-zero", "CNTFRQ_EL0 is not programmed", Always, b => b.Arm64.WriteSystemRegister("CNTFRQ_EL0", 0)),
        A("arm64.dtb-misaligned", "the DTB is moved 4 bytes up and x0 follows it", Always, b => MoveDtb(b, b.Dtb + 4)),
        A("arm64.dtb-bad-magic", "the DTB's magic is zeroed", Always, b => b.Memory.WriteU32(b.Dtb, 0)),
        A("arm64.dtb-too-big", "the DTB header claims 2 MiB + 8 bytes", Always, b =>
        {
            Span<byte> size = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(size, 0x20_0008);
            b.Memory.Write(b.Dtb + 4, size);
        }),
        A("arm64.dtb-in-image", "the DTB is placed inside the Image's image_size (its BSS) and x0 follows it", HasBss, b =>
            MoveDtb(b, (b.Guest.Kernel.KernelEnd + 7) & ~7UL)),
        A("arm64.image-off-2mib", "the Image is loaded 4 KiB above its 2 MiB-aligned base + text_offset", Always, b =>
        {
            var kernel = b.Guest.Kernel;
            var bytes = b.Memory.ReadBytes(kernel.KernelLoad, (int)(kernel.KernelEnd - kernel.KernelLoad));
            b.Memory.Write(kernel.KernelLoad + 0x1000, bytes);
            b.Arm64.Pc += 0x1000;
            b.Arm64.InvalidateCodeCache();
        }),
    ];

    private static Mutant A(string id, string description, Func<CaseFacts, bool> appliesTo, Action<BootCase> inject) =>
        new(id, description, GuestArchitecture.Arm64, appliesTo, inject);

    private static bool Always(CaseFacts f) => true;

    /// <summary>
    /// Whether image_size claims room past the file (booting.rst §3: the kernel owns image_size bytes from its
    /// start, BSS included): a DTB moved to the first 8-aligned byte past the file then starts inside the Image.
    /// </summary>
    private static bool HasBss(CaseFacts f) => f.ImageSize >= ((f.ImageFileSize + 7) & ~7UL) + 8;

    /// <summary>Copies the DTB to <paramref name="to"/> and points x0 there.</summary>
    private static void MoveDtb(BootCase b, ulong to)
    {
        b.Memory.Write(to, b.Guest.BootStructure);
        b.Arm64[0] = to;
    }
}
