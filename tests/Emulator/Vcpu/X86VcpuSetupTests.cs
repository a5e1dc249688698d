using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Fixtures.Images;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu;

/// <summary>Each VMM profile's vCPU state, value for value, and that the state really executes.</summary>
[TestFixture]
public sealed class X86VcpuSetupTests
{
    private const ulong Ram = 256UL << 20;
    private static readonly byte[] Hlt = [0xF4];

    /// <summary>An ELF with the PVH note whose entries (PVH and e_entry) are HLT.</summary>
    private static byte[] Vmlinux(bool pvh)
    {
        var code = new byte[0x200];
        code[0] = code[0x100] = 0xF4;
        return ElfWriter.Write(new ElfSpec { Code = code, PvhEntry = pvh ? 0x100_0100 : null });
    }

    /// <summary>A bzImage whose 32- and 64-bit entries are HLT.</summary>
    private static byte[] BzImage()
    {
        var pm = new byte[0x400];
        pm[0] = pm[0x200] = 0xF4;
        return BzImageWriter.Write(new BzImageSpec { ProtectedModeCode = pm });
    }

    private static (X86Cpu Cpu, GuestSetupResult Guest, GuestMemory Memory) Boot(VmmProfile profile, byte[] kernel, BootProtocol protocol)
    {
        var memory = GuestMemory.Flat(Ram);
        var guest = GuestSetup.Run(memory, profile.Configure(new GuestSetupRequest { Kernel = KernelImage.Parse(kernel), Protocol = protocol, CommandLine = "console=ttyS0" }));
        var cpu = new X86Cpu(memory);
        X86VcpuSetup.Apply(cpu, guest, profile);
        return (cpu, guest, memory);
    }

    [Test]
    public void Firecracker_linux64()
    {
        var (cpu, guest, memory) = Boot(VmmProfiles.Firecracker, Vmlinux(pvh: false), BootProtocol.Linux64);
        using var _ = memory;
        // (firecracker src/vmm/src/arch/x86_64/regs.rs setup_regs/setup_sregs, gdt.rs, layout.rs)
        cpu.Rip.ShouldBe(0x100_0000UL);
        cpu[Register.RSP].ShouldBe(0x8FF0UL);
        cpu[Register.RBP].ShouldBe(0x8FF0UL);
        cpu[Register.RSI].ShouldBe(0x7000UL);
        cpu.Rflags.ShouldBe(0x2UL);
        cpu.Cr0.ShouldBe(0xE000_0011UL);
        cpu.Cr3.ShouldBe(0x9000UL);
        cpu.Cr4.ShouldBe(0x20UL);
        cpu.Efer.ShouldBe(0x500UL);
        cpu.Gdtr.ShouldBe(new DescriptorTableRegister(0x500, 31));
        cpu.Idtr.ShouldBe(new DescriptorTableRegister(0x520, 7));
        memory.ReadU64(0x508).ShouldBe(0x00AF_9B00_0000_FFFFUL);
        cpu.GetSegment(SegmentRegister.Cs).Selector.ShouldBe((ushort)0x08);
        cpu.GetSegment(SegmentRegister.Cs).Long.ShouldBeTrue();
        foreach (var s in new[] { SegmentRegister.Ds, SegmentRegister.Es, SegmentRegister.Fs, SegmentRegister.Gs, SegmentRegister.Ss })
            cpu.GetSegment(s).ShouldBe(new Segment(0x10, 0, 0xFFFF_FFFF, 0xC093));
        cpu.GetSegment(SegmentRegister.Tr).Selector.ShouldBe((ushort)0x18);
        // PML4[0] = 0xA003, PDPT[0] = 0xB003, PD[i] = (i << 21) | 0x83: 1 GiB of 2 MiB pages.
        memory.ReadU64(0x9000).ShouldBe(0xA003UL);
        memory.ReadU64(0xA000).ShouldBe(0xB003UL);
        memory.ReadU64(0xB000 + 511 * 8).ShouldBe((511UL << 21) | 0x83);
        memory.ReadU64(0xA008).ShouldBe(0UL);
        cpu.Msrs.TryRead(0x2FF, out var mtrr).ShouldBeTrue();
        mtrr.ShouldBe(0x806UL);
        guest.BootStructureAddress.ShouldBe(0x7000UL);
    }

    [Test]
    public void Firecracker_pvh()
    {
        var (cpu, _, memory) = Boot(VmmProfiles.Firecracker, Vmlinux(pvh: true), BootProtocol.Pvh);
        using var _m = memory;
        // firecracker src/vmm/src/arch/x86_64/regs.rs PVH setup: EBX 0x6000, CR0 0x11, CR4 0, 32-bit code, TSS limit 0x67, no paging.
        cpu.Rip.ShouldBe(0x100_0100UL);
        cpu[Register.RBX].ShouldBe(0x6000UL);
        cpu[Register.RSP].ShouldBe(0UL);
        cpu.Cr0.ShouldBe(0x11UL);
        cpu.Cr4.ShouldBe(0UL);
        cpu.Efer.ShouldBe(0UL);
        cpu.GetSegment(SegmentRegister.Cs).Big.ShouldBeTrue();
        cpu.GetSegment(SegmentRegister.Tr).ShouldBe(new Segment(0x18, 0, 0x67, 0x8B));
        memory.ReadU64(0x9000).ShouldBe(0UL); // no page tables written for PVH
    }

    [Test]
    public void Cloud_hypervisor_bzimage32()
    {
        var (cpu, guest, memory) = Boot(VmmProfiles.CloudHypervisor, BzImage(), BootProtocol.Linux32);
        using var _ = memory;
        // cloud-hypervisor arch/src/x86_64/regs.rs, layout.rs: RIP = code32_start, RSP 0x8FF0, RSI 0x7000, CR0 0x1 (ET reads back set: it is
        // hardwired to 1 since the 486, SDM Vol. 3A §2.5), e820 [0, 0xA0000) RAM then 1 MiB+.
        cpu.Rip.ShouldBe(0x10_0000UL);
        cpu[Register.RSP].ShouldBe(0x8FF0UL);
        cpu[Register.RSI].ShouldBe(0x7000UL);
        cpu.Cr0.ShouldBe(0x11UL);
        cpu.GetSegment(SegmentRegister.Cs).Selector.ShouldBe((ushort)0x08);
        guest.MemoryMap[0].ShouldBe(new LoaderHarness.Loader.Boot.MemoryMap.MemoryMapEntry(0, 0xA_0000, LoaderHarness.Loader.Boot.MemoryMap.MemoryType.Ram));
        guest.MemoryMap[1].Address.ShouldBe(0x10_0000UL);
        memory.ReadU64(0x7000 + 0x70).ShouldBe(0xA_0000UL); // acpi_rsdp_addr (bootparam.h offset 0x070)
    }

    [Test]
    public void Crosvm_linux64()
    {
        var (cpu, guest, memory) = Boot(VmmProfiles.Crosvm, BzImage(), BootProtocol.Linux64);
        using var _ = memory;
        // crosvm x86_64/src/lib.rs, regs.rs: PM part at 0x200000, entry +0x200, GDT 0x1500 (6 entries), CS 0x10/DS 0x18,
        // IDT 0x1528, RSP 0x8000, CR0 0xC0000011, 4 GiB identity map through four page directories.
        cpu.Rip.ShouldBe(0x20_0200UL);
        cpu[Register.RSP].ShouldBe(0x8000UL);
        cpu.Gdtr.ShouldBe(new DescriptorTableRegister(0x1500, 47));
        cpu.Idtr.ShouldBe(new DescriptorTableRegister(0x1528, 7));
        cpu.GetSegment(SegmentRegister.Cs).Selector.ShouldBe((ushort)0x10);
        cpu.GetSegment(SegmentRegister.Ss).Selector.ShouldBe((ushort)0x18);
        cpu.GetSegment(SegmentRegister.Tr).Selector.ShouldBe((ushort)0x20);
        cpu.Cr0.ShouldBe(0xC000_0011UL);
        memory.ReadU64(0xA000 + 3 * 8).ShouldBe(0xE003UL);
        memory.ReadU64(0xE000 + 511 * 8).ShouldBe((2047UL << 21) | 0x83);
        // SETUP_RNG_SEED (type 9) with 256 bytes at 0x20800, linked from boot_params.hdr.setup_data (0x250).
        memory.ReadU64(0x7000 + 0x250).ShouldBe(0x2_0800UL);
        memory.ReadU32(0x2_0808).ShouldBe(9u);
        memory.ReadU32(0x2_080C).ShouldBe(256u);
        guest.Kernel.KernelLoad.ShouldBe(0x20_0000UL);
    }

    [Test]
    public void Qemu_real_mode()
    {
        var (cpu, guest, memory) = Boot(VmmProfiles.Qemu, BzImage(), BootProtocol.Linux16);
        using var _ = memory;
        // qemu hw/i386/x86-common.c x86_load_linux, pc-bios/optionrom/linuxboot_dma.c: setup at 0x10000, CS = 0x1020, IP = 0, data segments 0x1000, SP 0xFFF0,
        // type_of_loader 0xB0, heap_end_ptr 0xFE00 with CAN_USE_HEAP, cmd_line_ptr 0x20000.
        cpu.GetSegment(SegmentRegister.Cs).ShouldBe(new Segment(0x1020, 0x1_0200, 0xFFFF, 0x9B));
        cpu.Rip.ShouldBe(0UL);
        cpu.GetSegment(SegmentRegister.Ss).Selector.ShouldBe((ushort)0x1000);
        cpu.GetSegment(SegmentRegister.Ds).Base.ShouldBe(0x1_0000UL);
        cpu[Register.RSP].ShouldBe(0xFFF0UL);
        cpu.Cr0.ShouldBe(0x10UL);
        memory.ReadBytes(0x1_0210, 1)[0].ShouldBe((byte)0xB0);
        (memory.ReadBytes(0x1_0211, 1)[0] & 0x80).ShouldBe(0x80);
        memory.ReadU16(0x1_0224).ShouldBe((ushort)0xFE00);
        memory.ReadU32(0x1_0228).ShouldBe(0x2_0000u);
        memory.ReadU16(0x1_01FE).ShouldBe((ushort)0xAA55); // the rest of the setup sectors are the image's
        guest.Entry.ShouldBe(0x1_0200UL);
    }

    /// <summary>Every profile × entry it supports: the state is executable (the HLT at the entry runs and stops the CPU).</summary>
    [TestCaseSource(nameof(ProfileEntries))]
    public void State_executes(string profile, BootProtocol protocol)
    {
        var p = VmmProfiles.Find(profile)!;
        var kernel = protocol switch { BootProtocol.Pvh => Vmlinux(true), BootProtocol.Linux64 when profile == "firecracker" => Vmlinux(false), _ => BzImage() };
        var (cpu, guest, memory) = Boot(p, kernel, protocol);
        using var _ = memory;
        if (protocol == BootProtocol.Linux16)
            memory.Write(guest.Entry, Hlt); // the generated setup sectors hold no code; put a HLT at the jump
        var result = cpu.Run(100);
        result.Reason.ShouldBe(StopReason.Halt, result.ToString());
        result.Instructions.ShouldBe(1UL);
    }

    private static IEnumerable<TestCaseData> ProfileEntries() =>
        from p in VmmProfiles.X86
        from m in p.X86!.Entries.Keys
        let protocol = m switch
        {
            X86EntryMode.Pvh => BootProtocol.Pvh,
            X86EntryMode.Long64 => BootProtocol.Linux64,
            X86EntryMode.Protected32 => BootProtocol.Linux32,
            _ => BootProtocol.Linux16,
        }
        select new TestCaseData(p.Name, protocol).SetName($"State_executes({p.Name}, {protocol})");

    [Test]
    public void Unsupported_entry_is_a_typed_error()
    {
        using var memory = GuestMemory.Flat(Ram);
        var guest = GuestSetup.Run(memory, VmmProfiles.CloudHypervisor.Configure(new GuestSetupRequest { Kernel = KernelImage.Parse(BzImage()), Protocol = BootProtocol.Linux64 }));
        var error = Should.Throw<LoaderException>(() => X86VcpuSetup.Apply(new X86Cpu(memory), guest, VmmProfiles.CloudHypervisor));
        error.Code.ShouldBe(LoaderError.UnsupportedEntry);
    }
}
