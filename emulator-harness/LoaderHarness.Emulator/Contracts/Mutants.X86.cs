using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.X86;
using L = LoaderHarness.Loader.Boot.ZeroPage.BootParamsLayout;
using S = LoaderHarness.Loader.Boot.Pvh.StartInfoLayout;

namespace LoaderHarness.Emulator.Contracts;

// The seeded x86 faults: each must be caught by at least one x86 contract or the fixture stub's own report.
public static partial class Mutants
{
    /// <summary>The x86 faults.</summary>
    public static IReadOnlyList<Mutant> X86 { get; } =
    [
        X("pvh.bad-magic", "start_info.magic is wrong", Pvh, b => b.Memory.WriteU32(b.Structure, 0x336E_C579)),
        X("pvh.version-0", "start_info.version is 0", Pvh, b => b.Memory.WriteU32(b.Structure + S.Version, 0)),
        X("pvh.empty-memmap", "start_info.memmap_entries is 0", Pvh, b => b.Memory.WriteU32(b.Structure + S.MemmapEntries, 0)),
        X("pvh.cmdline-no-nul", "the PVH command line has no NUL within 2048 bytes", Pvh, b =>
            b.Memory.Fill(b.Memory.ReadU64(b.Structure + S.CmdlinePaddr), 2048, (byte)'x')),
        X("zp.cmdline-no-nul", "the command line has no NUL within cmdline_size", HasCmdLinePtr, b =>
            b.Memory.Fill(CommandLine(b), 2048, (byte)'x')),
        X("zp.cmdline-too-long", "the command line is longer than cmdline_size", HasCmdLinePtr, b =>
        {
            var capacity = b.Guest.Kernel.SetupHeader is { } h && !b.IsVmlinux ? h.EffectiveCmdlineSize : 2047;
            var at = CommandLine(b);
            b.Memory.Fill(at, capacity + 8, (byte)'y');
            b.Memory.WriteU8(at + capacity + 8, 0);
        }),
        X("zp.sentinel", "boot_params.sentinel (0x1EF) is 0xFF: the loader copied the whole boot sector", ZeroPage, b =>
            b.Memory.WriteU8(b.Structure + L.Sentinel, 0xFF)),
        X("zp.type-of-loader-0", "type_of_loader is 0", HeaderEntry, b => b.Memory.WriteU8(b.Structure + L.TypeOfLoader, 0)),
        X("zp.kernel-alignment-0", "kernel_alignment is 0", f => f.HasZeroPage && f.ProtocolVersion >= 0x0205, b => b.Memory.WriteU32(b.Structure + 0x230, 0)),
        X("zp.e820-empty", "boot_params.e820_entries is 0", ZeroPage, b => b.Memory.WriteU8(b.Structure + L.E820Entries, 0)),
        X("vmlinux.off-2mib", "the vmlinux is loaded 4 KiB past its 2 MiB-aligned link address", f => f.IsVmlinux && f.Mode == X86EntryMode.Long64, b =>
        {
            var kernel = b.Guest.Kernel;
            var bytes = b.Memory.ReadBytes(kernel.KernelLoad, (int)(kernel.ClaimedEnd - kernel.KernelLoad));
            b.Memory.Write(kernel.KernelLoad + 0x1000, bytes);
            b.X86.Rip += 0x1000;
        }),
        X("long64.zero-page-unmapped", "the identity map does not cover the zero page", f => f.Mode == X86EntryMode.Long64, b =>
        {
            // Clear the 2 MiB page-directory entry that maps the zero page (4-level, identity tables).
            var pdpt = b.Memory.ReadU64(b.X86.Cr3 & ~0xFFFUL) & ~0xFFFUL;
            var pd = b.Memory.ReadU64(pdpt + ((b.Structure >> 30) & 0x1FF) * 8) & ~0xFFFUL;
            b.Memory.WriteU64(pd + ((b.Structure >> 21) & 0x1FF) * 8, 0);
        }),
        X("entry.interrupts-on", "RFLAGS.IF is set at entry", _ => true, b => b.X86.Rflags |= 1 << 9),
        X("entry.ss-read-only", "SS is a read-only data segment", f => f.Mode != X86EntryMode.Real, b =>
        {
            var ss = b.X86.GetSegment(SegmentRegister.Ss);
            b.X86.SetSegment(SegmentRegister.Ss, ss with { Attributes = (ushort)(ss.Attributes & ~0x2) });
        }),
        X("linux.wrong-boot-params-register", "RSI/ESI does not point at the zero page", ZeroPage, b =>
            b.X86[Iced.Intel.Register.RSI] = b.Structure + 0x1000),
    ];

    private static Mutant X(string id, string description, Func<CaseFacts, bool> appliesTo, Action<BootCase> inject) =>
        new(id, description, GuestArchitecture.X86_64, appliesTo, inject);

    private static bool Pvh(CaseFacts f) => f.Mode == X86EntryMode.Pvh;

    private static bool ZeroPage(CaseFacts f) => f.HasZeroPage;

    private static bool HeaderEntry(CaseFacts f) => f.Mode != X86EntryMode.Pvh;

    /// <summary>cmd_line_ptr exists from 2.02 (boot.rst); PVH passes its own.</summary>
    private static bool HasCmdLinePtr(CaseFacts f) => f.Mode != X86EntryMode.Pvh && f.ProtocolVersion >= 0x0202;

    private static ulong CommandLine(BootCase b) => b.Guest.CommandLineAddress;
}
