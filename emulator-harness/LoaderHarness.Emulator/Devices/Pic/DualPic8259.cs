namespace LoaderHarness.Emulator.Devices.Pic;

/// <summary>
/// The PC/AT's cascaded 8259A pair: master at 0x20/0x21 delivering IRQ 0–7, slave at 0xA0/0xA1
/// delivering IRQ 8–15 through the master's IR2, and the PIIX edge/level control registers (ELCR) at
/// 0x4D0/0x4D1 ("82371AB PCI-TO-ISA / IDE XCELERATOR (PIIX4)" datasheet, ELCR1/ELCR2). It is the x86
/// CPU's <see cref="IInterruptController"/>: devices' lines arrive through <see cref="SetLevel"/>, the
/// master's INT (<see cref="Output"/>) drives the CPU's interrupt input, and the CPU's INTA cycle is
/// <see cref="Acknowledge"/>.
/// </summary>
public sealed class DualPic8259 : BytePortDevice, IInterruptController
{
    /// <summary>Master command port (A0=0).</summary>
    public const ushort MasterCommandPort = 0x20;

    /// <summary>Slave command port (A0=0).</summary>
    public const ushort SlaveCommandPort = 0xA0;

    /// <summary>ELCR1 (IRQ 0–7); ELCR2 (IRQ 8–15) follows at 0x4D1.</summary>
    public const ushort ElcrPort = 0x4D0;

    /// <summary>The master input the slave's INT drives.</summary>
    public const int CascadeLine = 2;

    // PIIX4 ELCR1 bits 0-2 (timer, keyboard, cascade) and ELCR2 bits 0 and 5 (RTC, FPU) are reserved
    // edge-triggered lines that read as 0.
    private const byte MasterElcrMask = 0xF8, SlaveElcrMask = 0xDE;

    /// <summary>A pair before the guest's initialisation sequence.</summary>
    public DualPic8259()
    {
    }

    /// <summary>The master controller (IRQ 0–7).</summary>
    public Pic8259 Master { get; } = new(isMaster: true);

    /// <summary>The slave controller (IRQ 8–15).</summary>
    public Pic8259 Slave { get; } = new(isMaster: false);

    /// <summary>The master's INT output; wire <see cref="InterruptPin.Line"/> to the CPU's interrupt input.</summary>
    public InterruptPin Output { get; } = new();

    /// <summary>Whether INT is asserted (the CPU takes it when its IF allows).</summary>
    public bool InterruptRequested => Output.Level;

    /// <summary>A line into ISA interrupt request <paramref name="irq"/>, for a device's <see cref="InterruptPin"/>.</summary>
    public IInterruptLine LineFor(int irq)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)irq, 15u, nameof(irq));
        return new InterruptLine(this, irq);
    }

    /// <inheritdoc/>
    public void SetLevel(int line, bool high) => SetIrq(line, high);

    /// <summary>Drives ISA interrupt request <paramref name="irq"/> (0–15).</summary>
    public void SetIrq(int irq, bool level)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)irq, 15u, nameof(irq));
        if (irq < 8)
            Master.SetInput(irq, level);
        else
            Slave.SetInput(irq - 8, level);
        Propagate();
    }

    /// <summary>
    /// The two INTA cycles: returns the vector the CPU must take. With no request left (it went away
    /// after INT was sampled) the 8259A answers IR7's vector without setting ISR: spurious IRQ 7, or
    /// spurious IRQ 15 when the slave was selected but has nothing.
    /// </summary>
    public int Acknowledge()
    {
        int vector;
        var line = Master.HighestPendingLine();
        if (line < 0)
        {
            vector = Master.VectorBase + 7;
        }
        else
        {
            Master.Acknowledge(line);
            if (Master.IsCascadeInput(line))
            {
                var slaveLine = Slave.HighestPendingLine();
                if (slaveLine >= 0)
                    Slave.Acknowledge(slaveLine);
                vector = Slave.VectorBase + (slaveLine < 0 ? 7 : slaveLine);
            }
            else
            {
                vector = Master.VectorBase + line;
            }
        }
        Propagate();
        return vector;
    }

    /// <inheritdoc/>
    public override byte ReadByte(ushort port)
    {
        byte value = port switch
        {
            MasterCommandPort => Master.ReadCommand(),
            MasterCommandPort + 1 => Master.ReadData(),
            SlaveCommandPort => Slave.ReadCommand(),
            SlaveCommandPort + 1 => Slave.ReadData(),
            ElcrPort => Master.Elcr,
            ElcrPort + 1 => Slave.Elcr,
            _ => 0xFF,
        };
        // A poll read may have acknowledged a request.
        Propagate();
        return value;
    }

    /// <inheritdoc/>
    public override void WriteByte(ushort port, byte value)
    {
        switch (port)
        {
            case MasterCommandPort: Master.WriteCommand(value); break;
            case MasterCommandPort + 1: Master.WriteData(value); break;
            case SlaveCommandPort: Slave.WriteCommand(value); break;
            case SlaveCommandPort + 1: Slave.WriteData(value); break;
            case ElcrPort: Master.Elcr = (byte)(value & MasterElcrMask); break;
            case ElcrPort + 1: Slave.Elcr = (byte)(value & SlaveElcrMask); break;
        }
        Propagate();
    }

    private void Propagate()
    {
        if (!Master.SingleMode)
            Master.SetInput(CascadeLine, Slave.Interrupt);
        Output.Set(Master.Interrupt);
    }
}
