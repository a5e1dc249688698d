using LoaderHarness.Emulator.Devices.Apic;
using LoaderHarness.Emulator.Devices.Pic;

namespace LoaderHarness.Emulator.Devices;

/// <summary>
/// The ISA interrupt lines of a PC: each of IRQ 0–15 goes to the 8259A pair and, once an I/O APIC is present,
/// to the I/O APIC pin the platform wires it to. KVM's default routing (arch/x86/kvm/irq_comm.c
/// default_routing) puts GSI n on both the PIC's IRQ n and IOAPIC pin n; QEMU's pc machine moves IRQ 0 to pin 2
/// (hw/i386/kvm/ioapic.c kvm_pc_setup_irq_routing, the MADT's interrupt source override), so the pin of each
/// IRQ is the profile's to say (<see cref="IoApicPins"/>).
/// </summary>
public sealed class IsaInterruptRouter(DualPic8259 pic) : IInterruptSink
{
    private readonly int[] _pins = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

    /// <summary>The I/O APIC the lines also reach, or null (8259A only).</summary>
    public IoApic? IoApic { get; set; }

    /// <summary>The I/O APIC pin of each ISA IRQ (index = IRQ); identity by default.</summary>
    public IReadOnlyList<int> IoApicPins
    {
        get => _pins;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNotEqual(value.Count, 16, nameof(value));
            for (var i = 0; i < 16; i++)
                _pins[i] = value[i];
        }
    }

    /// <inheritdoc/>
    public void SetLevel(int line, bool high)
    {
        pic.SetIrq(line, high);
        IoApic?.SetLevel(_pins[line], high);
    }
}
