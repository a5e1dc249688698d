using Iced.Intel;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.X86;
using static LoaderHarness.Emulator.Contracts.Contract;

namespace LoaderHarness.Emulator.Contracts;

/// <summary>
/// Contracts on the vCPU state at the first instruction, per entry (Documentation/arch/x86/boot.rst "32-bit
/// Boot Protocol" and "64-bit Boot Protocol"; Xen docs/misc/pvh.pandoc for PVH).
/// </summary>
public static class EntryStateContracts
{
    private const ulong Pe = 1, Pg = 1UL << 31, Pae = 1 << 5, Lme = 1 << 8, Lma = 1 << 10;
    private const ulong If = 1 << 9, Tf = 1 << 8, Vm = 1 << 17;
    private const string BootRst = "Documentation/arch/x86/boot.rst";
    private const string PvhAbi = "xen docs/misc/pvh.pandoc (x86/HVM direct boot ABI)";

    /// <summary>The contracts.</summary>
    public static IReadOnlyList<Contract> All { get; } =
    [
        new("x86.entry.rip", "execution starts at the entry the protocol defines (ELF e_entry / note, load + 0x200, code32_start, setup + 0x200)",
            $"{BootRst}; {PvhAbi}", ContractPhase.Entry, ContractSeverity.Required, b =>
            {
                var linear = b.X86.GetSegment(SegmentRegister.Cs).Base + b.X86.Rip;
                return Expect(linear == b.Guest.Entry, $"CS.base + RIP = 0x{linear:x}, entry 0x{b.Guest.Entry:x}");
            }),
        new("x86.entry.interrupts-off", "RFLAGS.IF = 0 (and for PVH TF = VM = 0)", $"{BootRst} (every entry); {PvhAbi}",
            ContractPhase.Entry, ContractSeverity.Required, b =>
            {
                var flags = b.X86.Rflags;
                var bad = b.Mode == X86EntryMode.Pvh ? If | Tf | Vm : If;
                return Expect((flags & bad) == 0, $"RFLAGS 0x{flags:x}");
            }),
        new("x86.entry.stack-writable", "SS is a present, writable data segment (flat for protected-mode entries)",
            "arch/x86/platform/pvh/head.S pvh_start_xen (Linux ≥ 6.12 uses start_info as a one-slot stack through SS); boot.rst SS = __BOOT_DS",
            ContractPhase.Entry, ContractSeverity.Required, b =>
            {
                var ss = b.X86.GetSegment(SegmentRegister.Ss);
                var ok = b.Mode == X86EntryMode.Real ? ss.Base == b.Structure : GuestReads.IsFlat(ss, code: false);
                return Expect(ok, $"SS {GuestReads.Describe(ss)}");
            }),
        new("x86.real.segments", "CS = seg + 0x20, IP = 0, DS = ES = SS = seg (seg = real-mode base >> 4)", $"{BootRst} \"Running the Kernel\"",
            ContractPhase.Entry, ContractSeverity.Required, b =>
            {
                if (b.Mode != X86EntryMode.Real)
                    return Skip("not the real-mode entry");
                var seg = (ushort)(b.Structure >> 4);
                var c = b.X86;
                var ok = c.GetSegment(SegmentRegister.Cs).Selector == seg + 0x20 && c.Rip == 0
                    && c.GetSegment(SegmentRegister.Ds).Selector == seg && c.GetSegment(SegmentRegister.Es).Selector == seg
                    && c.GetSegment(SegmentRegister.Ss).Selector == seg && (c.Cr0 & Pe) == 0;
                return Expect(ok, $"CS:IP {c.GetSegment(SegmentRegister.Cs).Selector:x4}:{c.Rip:x4}, DS {c.GetSegment(SegmentRegister.Ds).Selector:x4}, SS {c.GetSegment(SegmentRegister.Ss).Selector:x4}, seg {seg:x4}");
            }),
        new("x86.protected32.mode", "CR0.PE = 1, paging off, not in long mode", $"{BootRst} \"32-bit Boot Protocol\"; {PvhAbi}",
            ContractPhase.Entry, ContractSeverity.Required, b =>
            {
                if (b.Mode is not (X86EntryMode.Protected32 or X86EntryMode.Pvh))
                    return Skip("not a 32-bit entry");
                var c = b.X86;
                return Expect((c.Cr0 & (Pe | Pg)) == Pe && (c.Efer & Lma) == 0, $"CR0 0x{c.Cr0:x}, EFER 0x{c.Efer:x}");
            }),
        new("x86.protected32.segments", "CS is flat 32-bit execute/read, DS and ES flat read/write", $"{BootRst} \"32-bit Boot Protocol\"; {PvhAbi}",
            ContractPhase.Entry, ContractSeverity.Required, b =>
            {
                if (b.Mode is not (X86EntryMode.Protected32 or X86EntryMode.Pvh))
                    return Skip("not a 32-bit entry");
                var c = b.X86;
                var cs = c.GetSegment(SegmentRegister.Cs);
                var ok = GuestReads.IsFlat(cs, code: true) && cs.Big
                    && GuestReads.IsFlat(c.GetSegment(SegmentRegister.Ds), code: false) && GuestReads.IsFlat(c.GetSegment(SegmentRegister.Es), code: false);
                return Expect(ok, $"CS {GuestReads.Describe(cs)}; DS {GuestReads.Describe(c.GetSegment(SegmentRegister.Ds))}");
            }),
        new("x86.protected32.registers", "ESI = zero page, EBP = EDI = EBX = 0", $"{BootRst} \"32-bit Boot Protocol\"",
            ContractPhase.Entry, ContractSeverity.Required, b =>
            {
                if (b.Mode != X86EntryMode.Protected32)
                    return Skip("not the 32-bit Linux entry");
                var c = b.X86;
                var ok = c[Register.RSI] == b.Structure && c[Register.RBP] == 0 && c[Register.RDI] == 0 && c[Register.RBX] == 0;
                return Expect(ok, $"ESI 0x{c[Register.RSI]:x} (zero page 0x{b.Structure:x}), EBP 0x{c[Register.RBP]:x}, EDI 0x{c[Register.RDI]:x}, EBX 0x{c[Register.RBX]:x}");
            }),
        new("x86.long64.mode", "EFER.LME and LMA, CR0.PG and PE, CR4.PAE, CS.L = 1", $"{BootRst} \"64-bit Boot Protocol\"",
            ContractPhase.Entry, ContractSeverity.Required, b =>
            {
                if (b.Mode != X86EntryMode.Long64)
                    return Skip("not the 64-bit entry");
                var c = b.X86;
                var ok = (c.Efer & (Lme | Lma)) == (Lme | Lma) && (c.Cr0 & (Pe | Pg)) == (Pe | Pg) && (c.Cr4 & Pae) != 0
                    && c.GetSegment(SegmentRegister.Cs).Long;
                return Expect(ok, $"EFER 0x{c.Efer:x}, CR0 0x{c.Cr0:x}, CR4 0x{c.Cr4:x}, CS.L {c.GetSegment(SegmentRegister.Cs).Long}");
            }),
        new("x86.long64.registers", "RSI = zero page", $"{BootRst} \"64-bit Boot Protocol\"",
            ContractPhase.Entry, ContractSeverity.Required, b => b.Mode != X86EntryMode.Long64
                ? Skip("not the 64-bit entry")
                : Expect(b.X86[Register.RSI] == b.Structure, $"RSI 0x{b.X86[Register.RSI]:x}, zero page 0x{b.Structure:x}")),
        new("x86.long64.identity-map", "the page tables identity-map the kernel through init_size, the zero page and the 2048-byte command line",
            $"{BootRst} \"64-bit Boot Protocol\"", ContractPhase.Entry, ContractSeverity.Required, b =>
            {
                if (b.Mode != X86EntryMode.Long64)
                    return Skip("not the 64-bit entry");
                var kernel = b.Guest.Kernel;
                var initSize = kernel.SetupHeader?.EffectiveInitSize ?? 0;
                var kernelSpan = Math.Max(kernel.ClaimedEnd - kernel.KernelLoad, initSize);
                (string Name, ulong Start, ulong Length)[] ranges =
                [
                    ("kernel", kernel.KernelLoad, kernelSpan),
                    ("zero page", b.Structure, 0x1000),
                    ("command line", b.Guest.CommandLineAddress, 2048),
                ];
                foreach (var (name, start, length) in ranges)
                    if (GuestReads.FirstUnmapped(b.Memory, b.X86.Cr3, start, length) is { } page)
                        return Fail($"{name} page 0x{page:x} is not identity-mapped (CR3 0x{b.X86.Cr3:x})");
                return Pass($"kernel [0x{kernel.KernelLoad:x}, +0x{kernelSpan:x}), zero page and command line mapped 1:1");
            }),
        new("x86.entry.documented-selectors", "CS = __BOOT_CS 0x10 and DS = ES = SS = __BOOT_DS 0x18",
            $"{BootRst} (32/64-bit protocol); firecracker src/vmm/src/arch/x86_64/gdt.rs and cloud-hypervisor arch/src/x86_64/regs.rs use 0x08/0x10, which works only because arch/x86/boot/compressed/head_64.S and arch/x86/kernel/head_64.S load their own GDT",
            ContractPhase.Entry, ContractSeverity.Advisory, b =>
            {
                if (b.Mode is not (X86EntryMode.Protected32 or X86EntryMode.Long64))
                    return Skip("selectors are unspecified for this entry");
                var c = b.X86;
                var ok = c.GetSegment(SegmentRegister.Cs).Selector == 0x10 && c.GetSegment(SegmentRegister.Ds).Selector == 0x18
                    && c.GetSegment(SegmentRegister.Ss).Selector == 0x18;
                return Expect(ok, $"CS 0x{c.GetSegment(SegmentRegister.Cs).Selector:x}, DS 0x{c.GetSegment(SegmentRegister.Ds).Selector:x}, SS 0x{c.GetSegment(SegmentRegister.Ss).Selector:x}");
            }),
        new("x86.pvh.registers", "EBX = start_info, CR0 = PE only (ET reads as 1), CR4 = 0, EFER.LME = 0", PvhAbi,
            ContractPhase.Entry, ContractSeverity.Required, b =>
            {
                if (b.Mode != X86EntryMode.Pvh)
                    return Skip("not the PVH entry");
                var c = b.X86;
                var ok = c[Register.RBX] == b.Structure && (c.Cr0 & ~0x10UL) == Pe && c.Cr4 == 0 && (c.Efer & Lme) == 0;
                return Expect(ok, $"EBX 0x{c[Register.RBX]:x} (start_info 0x{b.Structure:x}), CR0 0x{c.Cr0:x}, CR4 0x{c.Cr4:x}, EFER 0x{c.Efer:x}");
            }),
        new("x86.pvh.task-register", "TR is a busy 32-bit TSS with base 0 and limit 0x67", PvhAbi,
            ContractPhase.Entry, ContractSeverity.Advisory, b =>
            {
                if (b.Mode != X86EntryMode.Pvh)
                    return Skip("not the PVH entry");
                var tr = b.X86.GetSegment(SegmentRegister.Tr);
                return Expect(tr is { Base: 0, Limit: 0x67, Type: 0xB, Present: true }, $"TR {GuestReads.Describe(tr)}");
            }),
    ];
}
