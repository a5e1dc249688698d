using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.X86;

/// <summary>The architecture-neutral face of the CPU (<see cref="IGuestCpu"/>).</summary>
public sealed partial class X86Cpu : GuestCpuCore, IGuestCpu
{
    /// <inheritdoc/>
    public GuestArchitecture Architecture => GuestArchitecture.X86_64;

    /// <summary>RIP under its architecture-neutral name.</summary>
    ulong IGuestCpu.Pc
    {
        get => Rip;
        set => Rip = value;
    }

    /// <summary>What the guest wrote to the port-0xE9 debug console.</summary>
    public string ConsoleText => DebugConsole.Text;

    /// <inheritdoc/>
    public Func<ulong, string?>? Symbolizer { get; set; }

    /// <summary>The current instruction's linear address (CS base + RIP), named by <see cref="Symbolizer"/> when it can.</summary>
    public string DescribePc()
    {
        var linear = Mode64 ? Rip : (uint)(SegBase[(int)SegmentRegister.Cs] + Rip);
        return Symbolizer?.Invoke(linear) ?? $"0x{linear:x}";
    }
}
