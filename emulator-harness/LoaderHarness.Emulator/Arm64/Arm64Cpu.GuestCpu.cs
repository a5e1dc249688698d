using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>The architecture-neutral face of the CPU (<see cref="IGuestCpu"/>).</summary>
public sealed partial class Arm64Cpu : GuestCpuCore, IGuestCpu
{
    /// <inheritdoc/>
    public GuestArchitecture Architecture => GuestArchitecture.Arm64;

    /// <summary>What the guest wrote to the PL011 UART's data register.</summary>
    public string ConsoleText => Uart.Text;

    /// <inheritdoc/>
    public Func<ulong, string?>? Symbolizer { get; set; }

    /// <summary>The current PC, named by <see cref="Symbolizer"/> when it can.</summary>
    public string DescribePc() => Symbolizer?.Invoke(Pc) ?? $"0x{Pc:x}";
}
