using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Tests.Emulator.X86;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Devices.Pci;

/// <summary>
/// The qemu profile's PCI bus against QEMU 7.2 <c>-M pc -nodefaults</c> itself: <see cref="PciConfigProbe"/> reads
/// every function's configuration space and sizes its header registers in both, and the two transcripts must be the
/// same byte for byte: identities, SeaBIOS's assignments (BARs, PIRQ routes, the PM and SMBus bases, PAM and SMRAM),
/// write masks and BAR sizes.
/// </summary>
[TestFixture]
[Category("Qemu")]
public sealed class PciConfigSpaceQemuTests
{
    [TestCase("512M", 512UL << 20)]
    [TestCase("3000M", 3000UL << 20)]
    public void Every_function_reads_and_sizes_as_in_QEMU_after_SeaBIOS(string qemuMemory, ulong ramBytes)
    {
        var expected = SerialProbe.RunInQemuPc(SerialProbe.Elf(PciConfigProbe.Build), qemuMemory);

        Ours(ramBytes).ShouldBe(expected);
    }

    [Test]
    public void The_probe_finds_the_four_functions_of_the_pc_machine()
    {
        var lines = Ours(512UL << 20).Split('\n');
        // devfn, then the vendor and device ID dword: 00:00.0 i440FX, 00:01.0 PIIX3, 00:01.1 its IDE, 00:01.3 PIIX4 PM.
        lines.Select(l => string.Join(' ', l.Split(' ').Take(2))).ShouldBe(["00 12378086", "08 70008086", "09 70108086", "0b 71138086", "E"]);
    }

    /// <summary>The probe's transcript on the engine with the qemu profile's devices, as a boot run wires them.</summary>
    private static string Ours(ulong ramBytes)
    {
        using var m = new TestMachine(ramBytes);
        m.EnterProtected32(SerialProbe.Base);
        var devices = X86GuestDevices.Attach(m.Cpu, VmmProfiles.Qemu.X86);
        m.Load(32, SerialProbe.Base, PciConfigProbe.Build);
        var result = m.Run(10_000_000);
        result.Reason.ShouldBe(StopReason.ExitPort, result.ToString()); // the engine's own debug-exit port, as QEMU's
        return devices.Legacy.Com1.Output.Text.TrimEnd();
    }
}
