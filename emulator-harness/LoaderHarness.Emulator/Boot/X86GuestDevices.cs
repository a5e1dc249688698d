using LoaderHarness.Emulator.Devices;
using LoaderHarness.Emulator.Devices.Apic;
using LoaderHarness.Emulator.Devices.Input;
using LoaderHarness.Emulator.Devices.Pci;
using LoaderHarness.Emulator.Devices.Time;
using LoaderHarness.Emulator.Devices.Timer;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.X86;

namespace LoaderHarness.Emulator.Boot;

/// <summary>
/// The devices around the x86 vCPU of a boot run, on virtual time, wired as the profile's VMM wires them: the PC
/// legacy devices every x86 VMM gives a guest (QEMU's pc/microvm model them, Firecracker and Cloud Hypervisor have
/// KVM's in-kernel 8259A pair and PIT plus their own COM1 and RTC): COM1 at 0x3F8 on IRQ 4, the 8259A pair, the
/// 8254 with port 0x61, the CMOS RTC and port 0x80; KVM's local APIC and I/O APIC, which the 8259A reaches through
/// LINT0 in virtual-wire mode until the kernel switches to the I/O APIC; the ACPI ports the profile's FADT names; and
/// the PCI functions of QEMU's pc machine.
/// </summary>
internal sealed class X86GuestDevices
{
    private X86GuestDevices(InstructionClock clock, PcLegacyDevices legacy)
    {
        Clock = clock;
        Legacy = legacy;
    }

    /// <summary>Virtual time: one TSC tick per retired or idle instruction at <see cref="CpuIdTable.DefaultTscHz"/>.</summary>
    public InstructionClock Clock { get; }

    /// <summary>COM1, the PICs, the PIT, the RTC and port 0x80, updated between run slices.</summary>
    public PcLegacyDevices Legacy { get; }

    /// <summary>Builds the devices of <paramref name="profile"/> (null: the PC legacy devices and the APICs alone) and attaches them to <paramref name="cpu"/>.</summary>
    public static X86GuestDevices Attach(X86Cpu cpu, X86ProfileValues? profile)
    {
        var tscHz = CpuIdTable.DefaultTscHz;
        var clock = new InstructionClock(tscHz / 1_000_000, () => cpu.TotalInstructions + cpu.IdleCycles);
        var legacy = new PcLegacyDevices(clock);
        // The APIC timer counts at the crystal clock CPUID 0x15 reports (ECX), the rate Linux assumes for it
        // without calibrating (arch/x86/kernel/tsc.c native_calibrate_tsc: lapic_timer_period = crystal_khz * 1000 / HZ).
        var localApic = new LocalApic(clock, () => cpu.Tsc, tscHz, cpu.CpuId.Query(0x15, 0).Ecx is var crystal and > 0 ? crystal : tscHz)
        {
            TimerArmed = cpu.EndSlice,
        };
        cpu.LocalApic = localApic;
        legacy.ConnectTo(cpu, localApic, new IoApic { Version = profile?.IoApicVersion ?? IoApic.KvmVersion });
        // A second I/O APIC (QEMU microvm: hw/i386/microvm.c microvm_devices_init, ioapic_init_secondary) has only
        // virtio-mmio transports on its pins, none of which the harness models: it is there for the MADT's entry.
        if (profile?.SecondIoApic is { } secondIoApic)
            cpu.Bus.RegisterMmio(secondIoApic, ApicAddresses.IoApicWindow, new IoApic { Target = localApic, Version = profile.IoApicVersion });
        if (profile?.IsaIoApicPins is { } pins)
            legacy.Irqs.IoApicPins = pins;
        if (profile?.AcpiPlatformPorts is { } acpi)
            new AcpiPlatformDevices(clock, cpu.RequestStop).Attach(cpu.Bus, acpi.Shutdown, acpi.PmTimer);
        if (profile?.AcpiPmBlockPort is { } pmBlock)
            new AcpiPmBlock(pmBlock) { Stop = cpu.RequestStop }.Attach(cpu.Bus);
        if (profile?.Hpet is { } hpet)
            legacy.ConnectHpet(cpu.Bus, new Hpet(clock), hpet);
        if (profile?.I8042 == true)
        {
            var i8042 = new I8042Controller { Stop = cpu.RequestStop };
            i8042.KeyboardInterrupt.Line = new InterruptLine(legacy.Irqs, I8042Controller.KeyboardIrq);
            i8042.MouseInterrupt.Line = new InterruptLine(legacy.Irqs, I8042Controller.MouseIrq);
            i8042.Attach(cpu.Bus);
        }
        if (profile?.Piix4PmPort is { } piix4)
            new Piix4PowerManagement(piix4, clock) { Stop = cpu.RequestStop }.Attach(cpu.Bus);
        if (profile?.QemuPcPci == true)
        {
            var ram = 0UL;
            foreach (var region in cpu.Memory.Regions)
                ram += region.Size;
            QemuPcPci.Build(ram, profile.Piix4PmPort ?? Vcpu.Acpi.QemuPcAcpi.PmBase).Attach(cpu.Bus);
        }
        return new X86GuestDevices(clock, legacy);
    }
}
