using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.X86;
using S = LoaderHarness.Loader.Boot.Pvh.StartInfoLayout;
using L = LoaderHarness.Loader.Boot.ZeroPage.BootParamsLayout;

namespace LoaderHarness.Emulator.Contracts;

/// <summary>The seeded faults <c>conform --mutants</c> injects (issue 4's list, plus a few more).</summary>
public static class Mutants
{
    /// <summary>All of them.</summary>
    public static IReadOnlyList<Mutant> All { get; } =
    [
        new("pvh.bad-magic", "start_info.magic is wrong", Pvh, b => b.Memory.WriteU32(b.Structure, 0x336E_C579)),
        new("pvh.version-0", "start_info.version is 0", Pvh, b => b.Memory.WriteU32(b.Structure + S.Version, 0)),
        new("pvh.empty-memmap", "start_info.memmap_entries is 0", Pvh, b => b.Memory.WriteU32(b.Structure + S.MemmapEntries, 0)),
        new("pvh.cmdline-no-nul", "the PVH command line has no NUL within 2048 bytes", Pvh, b =>
            b.Memory.Fill(b.Memory.ReadU64(b.Structure + S.CmdlinePaddr), 2048, (byte)'x')),
        new("zp.cmdline-no-nul", "the command line has no NUL within cmdline_size", HasCmdLinePtr, b =>
            b.Memory.Fill(CommandLine(b), 2048, (byte)'x')),
        new("zp.cmdline-too-long", "the command line is longer than cmdline_size", HasCmdLinePtr, b =>
        {
            var capacity = b.Guest.Kernel.SetupHeader is { } h && !b.IsVmlinux ? h.EffectiveCmdlineSize : 2047;
            var at = CommandLine(b);
            b.Memory.Fill(at, capacity + 8, (byte)'y');
            b.Memory.WriteU8(at + capacity + 8, 0);
        }),
        new("zp.sentinel", "boot_params.sentinel (0x1EF) is 0xFF: the loader copied the whole boot sector", ZeroPage, b =>
            b.Memory.WriteU8(b.Structure + L.Sentinel, 0xFF)),
        new("zp.type-of-loader-0", "type_of_loader is 0", HeaderEntry, b => b.Memory.WriteU8(b.Structure + L.TypeOfLoader, 0)),
        new("zp.kernel-alignment-0", "kernel_alignment is 0", b => b.HasZeroPage && Version(b) >= 0x0205, b => b.Memory.WriteU32(b.Structure + 0x230, 0)),
        new("zp.e820-empty", "boot_params.e820_entries is 0", ZeroPage, b => b.Memory.WriteU8(b.Structure + L.E820Entries, 0)),
        new("vmlinux.off-2mib", "the vmlinux is loaded 4 KiB past its 2 MiB-aligned link address", b => b.IsVmlinux && b.Mode == X86EntryMode.Long64, b =>
        {
            var kernel = b.Guest.Kernel;
            var bytes = b.Memory.ReadBytes(kernel.KernelLoad, (int)(kernel.ClaimedEnd - kernel.KernelLoad));
            b.Memory.Write(kernel.KernelLoad + 0x1000, bytes);
            b.Cpu.Rip += 0x1000;
        }),
        new("long64.zero-page-unmapped", "the identity map does not cover the zero page", b => b.Mode == X86EntryMode.Long64, b =>
        {
            // Clear the 2 MiB page-directory entry that maps the zero page (4-level, identity tables).
            var pdpt = b.Memory.ReadU64(b.Cpu.Cr3 & ~0xFFFUL) & ~0xFFFUL;
            var pd = b.Memory.ReadU64(pdpt + ((b.Structure >> 30) & 0x1FF) * 8) & ~0xFFFUL;
            b.Memory.WriteU64(pd + ((b.Structure >> 21) & 0x1FF) * 8, 0);
        }),
        new("entry.interrupts-on", "RFLAGS.IF is set at entry", _ => true, b => b.Cpu.Rflags |= 1 << 9),
        new("entry.ss-read-only", "SS is a read-only data segment", b => b.Mode != X86EntryMode.Real, b =>
        {
            var ss = b.Cpu.GetSegment(SegmentRegister.Ss);
            b.Cpu.SetSegment(SegmentRegister.Ss, ss with { Attributes = (ushort)(ss.Attributes & ~0x2) });
        }),
        new("linux.wrong-boot-params-register", "RSI/ESI does not point at the zero page", ZeroPage, b =>
            b.Cpu[Iced.Intel.Register.RSI] = b.Structure + 0x1000),
    ];

    private static bool Pvh(BootCase b) => b.Mode == X86EntryMode.Pvh;

    private static bool ZeroPage(BootCase b) => b.HasZeroPage;

    private static bool HeaderEntry(BootCase b) => b.Mode != X86EntryMode.Pvh;

    /// <summary>The protocol version the kernel speaks (a vmlinux gets the loader's synthesized 2.12 header).</summary>
    private static ushort Version(BootCase b) => b.Guest.Kernel.SetupHeader?.Version ?? 0x020C;

    /// <summary>cmd_line_ptr exists from 2.02 (boot.rst); PVH passes its own.</summary>
    private static bool HasCmdLinePtr(BootCase b) => b.Mode != X86EntryMode.Pvh && Version(b) >= 0x0202;

    private static ulong CommandLine(BootCase b) => b.Guest.CommandLineAddress;
}
