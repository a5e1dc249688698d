using LoaderHarness.Emulator.Vcpu.MultiProcessor;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Vcpu;

/// <summary>
/// Puts an <see cref="X86Cpu"/> into the state a VMM gives its vCPU before the kernel's first instruction:
/// writes the VMM's GDT, IDT, identity page tables, ACPI, MP and SMBIOS tables into guest memory, loads segment caches from those
/// descriptors (as KVM_SET_SREGS does), and sets the control registers, MSRs and general registers.
/// </summary>
public static class X86VcpuSetup
{
    /// <summary>Applies <paramref name="profile"/>'s entry state for the guest <paramref name="guest"/> was set up as.</summary>
    /// <exception cref="ArgumentException"><paramref name="profile"/> is an arm64 profile.</exception>
    /// <exception cref="LoaderException">The profile has no entry for the guest's protocol (<see cref="LoaderError.UnsupportedEntry"/>).</exception>
    public static void Apply(X86Cpu cpu, GuestSetupResult guest, VmmProfile profile)
    {
        var x86 = profile.RequireX86();
        var mode = X86ProfileValues.ModeOf(guest.Protocol);
        if (!x86.Entries.TryGetValue(mode, out var values))
            throw new LoaderException(LoaderError.UnsupportedEntry, $"{profile.Name} has no {mode} entry (it supports {string.Join(", ", x86.Entries.Keys)})");
        cpu.Reset();
        for (var r = Iced.Intel.Register.RAX; r <= Iced.Intel.Register.R15; r++)
            cpu[r] = 0;
        foreach (var (index, value) in x86.Msrs)
            cpu.Msrs.Set(index, value);
        if (x86.AcpiFor(cpu.Memory) is { } acpi && HasApic(cpu))
            acpi.WriteTo(cpu.Memory);
        // The VMM writes its MP table while it configures the guest, before the first instruction
        // (Firecracker and Cloud Hypervisor arch/src/x86_64/mod.rs configure_system: setup_mptable); firmware that writes
        // one (qboot main.c setup_mptable) does so before it enters the kernel, with the CPU's CPUID.
        if (x86.MpTable is { } mp)
        {
            var leaf1 = cpu.CpuId.Query(1, 0);
            var (pointer, tableAddress, table) = MpTableWriter.Parts(mp, cpuid: (leaf1.Eax, leaf1.Edx));
            cpu.Memory.Write(mp.Address, pointer);
            cpu.Memory.Write(tableAddress, table);
        }
        // Cloud Hypervisor and crosvm write their SMBIOS tables as they write the MP table (Cloud Hypervisor
        // arch/src/x86_64/mod.rs configure_system, crosvm x86_64/src/lib.rs: setup_smbios); SeaBIOS copies QEMU's.
        if (x86.Smbios is { } smbiosFor)
        {
            var leaf1 = cpu.CpuId.Query(1, 0);
            var smbios = smbiosFor(cpu.Memory, (leaf1.Eax, leaf1.Edx));
            cpu.Memory.Write(smbios.Address, smbios.EntryPoint());
            cpu.Memory.Write(smbios.TableAddress, smbios.Table());
        }
        if (mode == X86EntryMode.Real)
            ApplyRealMode(cpu, guest, x86);
        else
            ApplyProtected(cpu, guest, values, mode);
        cpu.Rflags = values.Rflags;
    }

    /// <summary>
    /// Whether the CPU has the local APIC the profile's MADT lists (CPUID.01H:EDX.APIC[bit 9], SDM Vol. 2A CPUID).
    /// The ACPI tables are written only then: the VMMs that write them run on KVM's in-kernel local APIC and I/O
    /// APIC, and most of their FADTs are hardware-reduced, which makes Linux drop the 8259A and the PIT
    /// (arch/x86/kernel/acpi/boot.c acpi_reduced_hw_init: legacy_pic = &amp;null_legacy_pic, timer_init a no-op), so
    /// tables without an APIC would leave the guest no interrupt or timer at all (QEMU <c>-M pc</c>'s PIIX4 FADT is not
    /// hardware-reduced, but its MADT still names the local APIC and I/O APIC the guest is to route through).
    /// </summary>
    public static bool HasApic(X86Cpu cpu) => (cpu.CpuId.Query(1, 0).Edx & (1u << 9)) != 0;

    private static void ApplyProtected(X86Cpu cpu, GuestSetupResult guest, X86VcpuValues v, X86EntryMode mode)
    {
        var memory = cpu.Memory;
        for (var i = 0; i < v.Gdt.Count; i++)
            memory.WriteU64(v.GdtAddress + (ulong)i * 8, v.Gdt[i]);
        memory.WriteU64(v.IdtAddress, 0);
        if (v.IdentityMapSize > 0)
            IdentityPageTables.Write(memory, v.PageTableAddress, v.IdentityMapSize);

        cpu.Gdtr = new DescriptorTableRegister(v.GdtAddress, (ushort)(v.Gdt.Count * 8 - 1));
        cpu.Idtr = new DescriptorTableRegister(v.IdtAddress, v.IdtLimit);
        cpu.Efer = v.Efer;
        cpu.Cr4 = v.Cr4;
        cpu.Cr3 = v.IdentityMapSize > 0 ? v.PageTableAddress : 0;
        cpu.Cr0 = v.Cr0;
        var data = FromGdt(v, v.DataSelector);
        foreach (var s in new[] { SegmentRegister.Ds, SegmentRegister.Es, SegmentRegister.Fs, SegmentRegister.Gs, SegmentRegister.Ss })
            cpu.SetSegment(s, data);
        if (v.TssSelector != 0)
            cpu.SetSegment(SegmentRegister.Tr, FromGdt(v, v.TssSelector));
        cpu.SetSegment(SegmentRegister.Cs, FromGdt(v, v.CodeSelector));

        cpu.Rip = guest.Entry;
        cpu[Iced.Intel.Register.RSP] = v.StackPointer;
        if (v.FramePointerToo)
            cpu[Iced.Intel.Register.RBP] = v.StackPointer;
        if (mode == X86EntryMode.Pvh)
            cpu[Iced.Intel.Register.RBX] = guest.BootStructureAddress;
        else
            cpu[Iced.Intel.Register.RSI] = guest.BootStructureAddress;
    }

    /// <summary>
    /// boot.rst "Running the Kernel": CS = seg + 0x20, IP = 0, DS = ES = SS = FS = GS = seg, SP at the top
    /// of the heap, the real-mode IVT at 0. The setup code calls the BIOS ("the kernel setup code ... uses
    /// BIOS calls", boot.rst), so the machine gets one, answering E820h with the guest's memory map.
    /// </summary>
    private static void ApplyRealMode(X86Cpu cpu, GuestSetupResult guest, X86ProfileValues profile)
    {
        var seg = (ushort)(guest.BootStructureAddress >> 4);
        foreach (var s in new[] { SegmentRegister.Ds, SegmentRegister.Es, SegmentRegister.Fs, SegmentRegister.Gs, SegmentRegister.Ss })
            cpu.SetSegment(s, Segment.RealMode(seg));
        cpu.SetSegment(SegmentRegister.Cs, Segment.RealMode((ushort)(seg + 0x20)) with { Attributes = 0x9B });
        cpu.Idtr = new DescriptorTableRegister(0, 0x3FF);
        cpu.Cr0 = profile.Entries[X86EntryMode.Real].Cr0;
        cpu.Rip = guest.Entry - ((ulong)(seg + 0x20) << 4);
        cpu[Iced.Intel.Register.RSP] = profile.RealModeStack;
        Bios.PcBios.Install(cpu, guest.MemoryMap, firmware: profile.RealModeFirmware);
    }

    /// <summary>The segment cache KVM derives from a GDT descriptor (kvm_segment_from_gdt: limit scaled by G).</summary>
    private static Segment FromGdt(X86VcpuValues v, ushort selector)
    {
        var index = selector >> 3;
        if (index >= v.Gdt.Count)
            throw new ArgumentOutOfRangeException(nameof(selector), $"selector 0x{selector:x} is past the {v.Gdt.Count}-entry GDT");
        return Segment.FromDescriptor(selector, v.Gdt[index]);
    }
}
