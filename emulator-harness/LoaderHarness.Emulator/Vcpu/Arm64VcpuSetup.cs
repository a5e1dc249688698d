using LoaderHarness.Emulator.Arm64;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Emulator.Vcpu;

/// <summary>
/// Puts an <see cref="Arm64Cpu"/> into the state Documentation/arch/arm64/booting.rst §4 requires of the
/// boot loader and Firecracker/Cloud Hypervisor give their vCPU (firecracker src/vmm/src/arch/aarch64/regs.rs
/// setup_boot_regs; cloud-hypervisor arch/src/aarch64/regs.rs): x0 = DTB, x1–x3 = 0 (like every other GPR
/// after KVM's vCPU reset), PC = the Image's first byte, PSTATE with D, A, I, F masked at EL1h (0x3C5) or
/// EL2h (0x3C9), MMU and caches off, CNTFRQ_EL0 programmed.
/// </summary>
public static class Arm64VcpuSetup
{
    /// <summary>62.5 MHz: QEMU's generic timer for TCG (target/arm/internals.h GTIMER_SCALE = 16 ns) before 9.0.</summary>
    public const ulong DefaultCounterFrequency = 62_500_000;

    /// <summary>Applies <paramref name="profile"/>'s entry state (Firecracker's when null) for <paramref name="guest"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="profile"/> is an x86 profile, or the guest was not set up for arm64.</exception>
    public static void Apply(Arm64Cpu cpu, GuestSetupResult guest, VmmProfile? profile = null)
    {
        var arm64 = (profile ?? VmmProfiles.FirecrackerArm64).RequireArm64();
        if (guest.Protocol != BootProtocol.Arm64)
            throw new ArgumentException($"the guest was set up for {guest.Protocol}, not arm64", nameof(guest));
        cpu.Reset();
        var el2 = arm64.EntryLevel == Arm64EntryLevel.El2;
        cpu.GuestOwnsEl2 = el2;
        cpu.Pstate = el2 ? Arm64Pstate.El2hMasked : Arm64Pstate.El1hMasked;
        for (var i = 0; i < 31; i++)
            cpu[i] = 0;
        cpu.Nzcv = arm64.InitialFlags;
        cpu.PsciVersion = arm64.PsciVersion;
        cpu.WriteSystemRegister("CNTFRQ_EL0", arm64.CounterFrequency);
        if (arm64.BootStub)
        {
            // The VMM's stub loads x0 and the entry itself, from all-zero registers; it runs here, as part of the
            // VMM, so that the vCPU is handed over (and the entry contracts judged) at the kernel's first instruction.
            QemuBootStub.Write(cpu.Memory, arm64.RamBase, guest.BootStructureAddress, guest.Entry);
            cpu.Pc = arm64.RamBase;
            cpu.Run(QemuBootStub.Instructions);
            if (cpu.Pc != guest.Entry)
                throw new InvalidOperationException($"QEMU's boot stub ended at 0x{cpu.Pc:x}, not the kernel entry 0x{guest.Entry:x}");
            return;
        }
        cpu[0] = guest.BootStructureAddress;
        cpu.Pc = guest.Entry;
    }
}
