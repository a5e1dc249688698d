using Iced.Intel;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Boot;

/// <summary>
/// Firecracker's vCPU entry state (boot-contracts §3.2; src/vmm/src/arch/x86_64/regs.rs, gdt.rs), here only
/// until the official Vcpu/X86VcpuSetup lands: GDT at 0x500, IDT at 0x520 (limit 7), CS 0x08,
/// DS/ES/FS/GS/SS 0x10, TR 0x18, RFLAGS 0x2. PVH: flat 32-bit code, CR0 0x11, EBX = start_info.
/// 64-bit: long mode with an identity map of the first 1 GiB (PML4 0x9000, PDPT 0xA000, PD 0xB000 of
/// 2 MiB pages), CR0 0xE0000011, CR4 PAE, EFER LME|LMA, RSP = RBP = 0x8FF0, RSI = zero page. 32-bit
/// (Cloud Hypervisor's bzImage entry, §3.3): flat 32-bit code, CR0 0x1, ESI = zero page, ESP 0x8FF0.
/// </summary>
internal static class InterimVcpuSetup
{
    private const ulong Gdt = 0x500, Idt = 0x520, Pml4 = 0x9000, Pdpt = 0xA000, Pd = 0xB000, Stack = 0x8FF0;
    private const ulong Code64 = 0x00AF_9B00_0000_FFFF, Code32 = 0x00CF_9B00_0000_FFFF, Data = 0x00CF_9300_0000_FFFF;
    private const ulong Tss64 = 0x008F_8B00_0000_FFFF, Tss32 = 0x0000_8B00_0000_0067;

    public static void Apply(X86Cpu cpu, GuestMemory memory, GuestSetupResult setup)
    {
        var longMode = setup.Protocol == BootProtocol.Linux64;
        var code = longMode ? Code64 : Code32;
        var tss = longMode ? Tss64 : Tss32;
        memory.WriteU64(Gdt, 0);
        memory.WriteU64(Gdt + 8, code);
        memory.WriteU64(Gdt + 16, Data);
        memory.WriteU64(Gdt + 24, tss);
        memory.WriteU64(Idt, 0);
        cpu.Gdtr = new DescriptorTableRegister(Gdt, 31);
        cpu.Idtr = new DescriptorTableRegister(Idt, 7);
        if (longMode)
        {
            memory.WriteU64(Pml4, Pdpt | 3);
            memory.WriteU64(Pdpt, Pd | 3);
            for (ulong i = 0; i < 512; i++)
                memory.WriteU64(Pd + i * 8, (i << 21) | 0x83);
            cpu.Cr3 = Pml4;
            cpu.Cr4 = ControlBits.Cr4Pae;
            cpu.Efer = ControlBits.EferLme | ControlBits.EferLma;
            cpu.Cr0 = 0xE000_0011;
        }
        else
        {
            cpu.Cr0 = setup.Protocol == BootProtocol.Pvh ? 0x11UL : 0x1UL;
        }
        var data = Segment.FromDescriptor(0x10, Data);
        foreach (var s in (ReadOnlySpan<SegmentRegister>)[SegmentRegister.Ds, SegmentRegister.Es, SegmentRegister.Fs, SegmentRegister.Gs, SegmentRegister.Ss])
            cpu.SetSegment(s, data);
        cpu.SetSegment(SegmentRegister.Tr, Segment.FromDescriptor(0x18, tss));
        cpu.SetSegment(SegmentRegister.Cs, Segment.FromDescriptor(0x08, code));
        cpu.Rflags = 2;
        cpu.Rip = setup.Entry;
        if (setup.Protocol == BootProtocol.Pvh)
        {
            cpu[Register.RBX] = setup.BootStructureAddress;
            return;
        }
        cpu[Register.RSI] = setup.BootStructureAddress;
        cpu[Register.RSP] = Stack;
        cpu[Register.RBP] = longMode ? Stack : 0;
    }
}
