using Iced.Intel;
using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Tests.Emulator.X86;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.Devices;

/// <summary>
/// The qemu profile's PIIX4 PM ports under a real x86 guest, wired as a boot run wires them: code does what Linux's
/// ACPICA does with QEMU's FADT (drivers/acpi/acpica/evxfevnt.c acpi_enable: ACPI_ENABLE to SMI_CMD, then SCI_EN polled
/// in PM1a_CNT; hwsleep.c acpi_hw_legacy_sleep: SLP_TYP, then SLP_EN), and the run ends as a power-off; or writes the
/// PIIX3 reset control register as arch/x86/kernel/reboot.c does for reboot=pci, and the run ends as a reset.
/// </summary>
[TestFixture]
public sealed class Piix4PowerManagementGuestTests
{
    [Test]
    public void Acpi_enable_then_slp_en_with_s5_ends_the_run_as_a_power_off()
    {
        using var m = new TestMachine();
        m.EnterLong64(TestMachine.CodeBase);
        X86GuestDevices.Attach(m.Cpu, VmmProfiles.Qemu.X86);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(al, 0xF1);
            a.@out(0xB2, al);
            a.mov(dx, 0x604);
            a.@in(ax, dx);
            a.movzx(r15d, ax);
            a.mov(ax, 0x2000); // SLP_TYP 0 (the DSDT's _S5_) | SLP_EN
            a.@out(dx, ax);
            a.mov(r14d, 1);
            a.hlt();
        });
        var result = m.Run();
        result.Reason.ShouldBe(StopReason.PowerOff, result.ToString());
        (m.Cpu[Register.R15] & 1).ShouldBe(1UL); // SCI_EN
        m.Cpu[Register.R14D].ShouldBe(0UL);
    }

    [Test]
    public void Writing_6_to_port_0xcf9_ends_the_run_as_a_reset()
    {
        using var m = new TestMachine();
        m.EnterLong64(TestMachine.CodeBase);
        X86GuestDevices.Attach(m.Cpu, VmmProfiles.Qemu.X86);
        m.Load(64, TestMachine.CodeBase, a =>
        {
            a.mov(dx, 0xCF9);
            a.mov(al, 0x02);
            a.@out(dx, al);
            a.mov(al, 0x06);
            a.@out(dx, al);
            a.hlt();
        });
        m.Run().Reason.ShouldBe(StopReason.Reset);
    }
}
