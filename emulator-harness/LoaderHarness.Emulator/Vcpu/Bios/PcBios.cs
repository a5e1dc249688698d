using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Devices.Rtc;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Emulator.Vcpu.Bios;

/// <summary>
/// A PC BIOS emulated at a high level, enough for Linux's real-mode setup code (arch/x86/boot) and no more:
/// the interrupt vector table points every vector at its own one-byte IRET stub in the BIOS ROM segment F000,
/// the CPU traps at those stubs (<see cref="X86Cpu.AddFirmwareTrap"/>), this class performs the service on the
/// caller's registers, and the stub's IRET returns. INT 10h, 11h, 12h, 13h, 15h, 16h and 1Ah are served
/// (<see cref="VideoServices"/>, <see cref="DiskServices"/>, <see cref="SystemServices"/>,
/// <see cref="KeyboardServices"/>, <see cref="ClockServices"/>); any other vector or function ends the run with
/// <see cref="StopReason.UnansweredFirmwareCall"/> naming the interrupt and AX, never a hang. The answers are SeaBIOS's,
/// or qboot's for QEMU's microvm (<see cref="PcFirmware"/>, <see cref="QbootServices"/>).
/// </summary>
public sealed class PcBios : IX86Firmware
{
    /// <summary>Linear address of vector 0's stub (F000:F000); vector n's is this + n.</summary>
    public const ulong StubBase = 0xF_F000;
    /// <summary>The ROM segment the IVT points into.</summary>
    private const ushort RomSegment = 0xF000;
    /// <summary>IRET (SDM Vol. 2A: opcode CF).</summary>
    private const byte Iret = 0xCF;

    private readonly List<BiosCall> _calls = [];
    private readonly VideoServices _video = new();
    private readonly SystemServices _system;
    private readonly ClockServices _clock;
    private readonly QbootServices? _qboot;

    private PcBios(IReadOnlyList<MemoryMapEntry> map, Func<DateTime> now, PcFirmware firmware)
    {
        _system = new SystemServices(map);
        _clock = new ClockServices(now);
        Firmware = firmware;
        if (firmware == PcFirmware.Qboot)
            _qboot = new QbootServices(_system, _video);
    }

    /// <summary>Whose answers this BIOS gives.</summary>
    public PcFirmware Firmware { get; }

    /// <summary>Every software interrupt the BIOS saw, in order.</summary>
    public IReadOnlyList<BiosCall> Calls => _calls;

    /// <summary>The memory map INT 15h E820h hands out (the profile's).</summary>
    public IReadOnlyList<MemoryMapEntry> E820 => _system.Map;

    /// <summary>The E820h entries actually returned, in call order: what the real-mode kernel built its table from.</summary>
    public IReadOnlyList<MemoryMapEntry> E820Returned => _system.Returned;

    /// <summary>What the guest wrote through INT 10h teletype output.</summary>
    public string Teletype => _video.Teletype;

    /// <summary>The A20 gate as INT 15h AX=2400h/2401h left it.</summary>
    public bool A20 => _system.A20;

    /// <summary>
    /// Sets the machine up as the firmware leaves it before a boot loader runs: the IVT, the BIOS data area and
    /// EBDA (conventional RAM ends where <paramref name="map"/>'s first RAM entry does), the stubs; then traps the
    /// stubs on <paramref name="cpu"/>. Time for INT 1Ah is the RTC's start plus the CPU's TSC at <paramref name="tscHz"/>.
    /// qboot (<paramref name="firmware"/>) writes no BIOS data area, EBDA or model byte: the kernel finds zeros there.
    /// </summary>
    public static PcBios Install(X86Cpu cpu, IReadOnlyList<MemoryMapEntry> map, long tscHz = CpuIdTable.DefaultTscHz,
        PcFirmware firmware = PcFirmware.SeaBios)
    {
        var bios = new PcBios(map, () => CmosRtc.DefaultStart.AddSeconds((double)cpu.Tsc / tscHz), firmware);
        var memory = cpu.Memory;
        for (var v = 0; v < 256; v++)
        {
            // IVT entry: offset, then segment (SDM Vol. 3A §20.1.4 "Interrupt and Exception Handling").
            memory.WriteU16((ulong)v * 4, (ushort)(StubBase - ((ulong)RomSegment << 4) + (ulong)v));
            memory.WriteU16((ulong)v * 4 + 2, RomSegment);
            memory.WriteU8(StubBase + (ulong)v, Iret);
            cpu.AddFirmwareTrap(StubBase + (ulong)v);
        }
        if (firmware == PcFirmware.SeaBios)
        {
            // RBIL MEMORY.LST F000:FFFE: machine model byte, FCh = AT and compatibles.
            memory.WriteU8(0xF_FFFE, 0xFC);
            BiosDataArea.Write(memory, ConventionalEnd(map));
        }
        cpu.Firmware = bios;
        return bios;
    }

    /// <inheritdoc/>
    public void Service(X86Cpu cpu, ulong linear)
    {
        var vector = (byte)(linear - StubBase);
        var f = new BiosFrame(cpu);
        var ax = f.Ax;
        var answered = _qboot is { } qboot ? qboot.Answer(vector, f) : vector switch
        {
            0x10 => _video.Answer(f),
            0x11 => Word(f, BiosDataArea.Equipment), // RBIL INT 11h: AX = equipment list (40:10)
            0x12 => Word(f, BiosDataArea.MemorySizeKb), // RBIL INT 12h: AX = KiB of conventional memory (40:13)
            0x13 => DiskServices.Answer(f),
            0x15 => _system.Answer(f),
            0x16 => KeyboardServices.Answer(f),
            0x1A => _clock.Answer(f),
            _ => false,
        };
        _calls.Add(new BiosCall(vector, ax, answered));
        if (!answered)
            cpu.RequestStop(StopReason.UnansweredFirmwareCall,
                $"INT {vector:X2}h AX={ax:X4}h at {Caller(cpu)}: the harness's BIOS does not answer this service");
    }

    private static bool Word(BiosFrame f, ulong at)
    {
        f.Ax = f.Cpu.Memory.ReadU16(at);
        return true;
    }

    /// <summary>The INT's return address from the frame it pushed (IP at SS:SP, CS at SS:SP+2).</summary>
    private static string Caller(X86Cpu cpu)
    {
        var ss = cpu.GetSegment(SegmentRegister.Ss).Base;
        var sp = (ushort)cpu[Iced.Intel.Register.SP];
        var ip = cpu.Memory.ReadU16(ss + sp);
        var cs = cpu.Memory.ReadU16(ss + (ushort)(sp + 2));
        return $"{cs:X4}:{ip:X4}";
    }

    /// <summary>Where conventional RAM ends: the end of the map's RAM entry at 0 (below the EBDA), at most 0xA0000.</summary>
    private static ulong ConventionalEnd(IReadOnlyList<MemoryMapEntry> map)
    {
        foreach (var e in map)
        {
            if (e.Type == MemoryType.Ram && e.Address == 0)
                return Math.Min(e.End, 0xA_0000) & ~0x3FFUL;
        }
        return 0xA_0000;
    }
}
