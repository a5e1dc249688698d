using LoaderHarness.Loader.Boot.MemoryMap;

namespace LoaderHarness.Emulator.Vcpu.Bios;

/// <summary>
/// INT 15h: the memory-size queries Linux's arch/x86/boot/memory.c makes (E820h with continuation, E801h, 88h),
/// the A20 gate (2400h-2403h, a20.c enable_a20_bios), and the probes main.c and apm.c make that firmware without
/// the feature refuses (IST E980h, EC00h, APM 53xxh, C0h). Register contracts: Ralf Brown's Interrupt List INT
/// 15h AX=E820h, AX=E801h, AH=88h, AX=2400h-2403h, AX=E980h, AX=EC00h, AX=5300h, AH=C0h; answers as SeaBIOS's
/// src/system.c handle_15e820, handle_15e801, handle_1588, handle_1524xx and its default case
/// (set_unimplemented: AH = 86h, CF set).
/// </summary>
internal sealed class SystemServices(IReadOnlyList<MemoryMapEntry> map)
{
    /// <summary>'SMAP', the E820 signature in EDX and EAX (RBIL INT 15h AX=E820h; memory.c SMAP).</summary>
    public const uint Smap = 0x534D_4150;
    /// <summary>RBIL "86h unsupported function" (SeaBIOS RET_EUNSUPPORTED).</summary>
    public const byte Unsupported = 0x86;

    private readonly List<MemoryMapEntry> _returned = [];

    /// <summary>The map E820h hands out, one entry per call, in this order.</summary>
    public IReadOnlyList<MemoryMapEntry> Map => map;

    /// <summary>Every entry E820h returned, in call order.</summary>
    public IReadOnlyList<MemoryMapEntry> Returned => _returned;

    /// <summary>A20 as 2400h/2401h left it (on at boot, as QEMU's machines start; the engine never wraps at 1 MiB).</summary>
    public bool A20 { get; private set; } = true;

    /// <summary>Answers the call in <paramref name="f"/>; false when this BIOS does not implement it.</summary>
    public bool Answer(BiosFrame f)
    {
        switch (f.Ax)
        {
            case 0xE820:
                E820(f);
                return true;
            case 0xE801:
                E801(f);
                return true;
            case 0x2400 or 0x2401:
                A20 = f.Ax == 0x2401;
                f.SuccessWithCode();
                return true;
            case 0x2402: // AL = A20 state
                f.SuccessWithCode();
                f.Al = A20 ? (byte)1 : (byte)0;
                return true;
            case 0x2403: // BX = supported methods: bit 0 keyboard controller, bit 1 port 92h
                f.SuccessWithCode();
                f.Bx = 3;
                return true;
            case 0xE980 or 0xEC00:
                f.Fail(Unsupported);
                return true;
        }
        switch (f.Ah)
        {
            case 0x88:
                // "real machines mostly return max. 63M" (SeaBIOS handle_1588) rather than RBIL's 15M.
                f.Ax = (ushort)Math.Min(63 * 1024, (LegacyRamEnd() - Mib) / 1024);
                f.Success();
                return true;
            case 0x53 or 0xC0:
                f.Fail(Unsupported);
                return true;
            default:
                return false;
        }
    }

    private const ulong Mib = 0x10_0000;

    /// <summary>
    /// EBX = continuation (0 on the first call), EDX = 'SMAP', ECX = buffer size ≥ 20, ES:DI = buffer. Returns
    /// one 20-byte entry, EAX = 'SMAP', ECX = 20, EBX = next continuation or 0 after the last; a bad signature,
    /// continuation or size is CF set, AH = 86h.
    /// </summary>
    private void E820(BiosFrame f)
    {
        var index = f.Ebx;
        if (f.Edx != Smap || index >= (uint)map.Count || f.Ecx < MemoryMapEntry.E820Size)
        {
            f.Fail(Unsupported);
            return;
        }
        var entry = map[(int)index];
        Span<byte> bytes = stackalloc byte[MemoryMapEntry.E820Size];
        entry.WriteE820(bytes);
        f.Cpu.Memory.Write(f.EsDi, bytes);
        _returned.Add(entry);
        f.Ebx = index + 1 == (uint)map.Count ? 0 : index + 1;
        f.Eax = Smap;
        f.Ecx = MemoryMapEntry.E820Size;
        f.Success();
    }

    /// <summary>
    /// qboot's E820h (code16.c e820_query_map): no check of EDX or ECX; the entry EBX names is copied to ES:DI when
    /// it exists, then EAX = 'SMAP', ECX = 20 and EBX = the next index, 0 after the last.
    /// </summary>
    public void QbootE820(BiosFrame f)
    {
        var index = f.Ebx;
        if (index < (uint)map.Count)
        {
            Span<byte> bytes = stackalloc byte[MemoryMapEntry.E820Size];
            map[(int)index].WriteE820(bytes);
            f.Cpu.Memory.Write(f.EsDi, bytes);
            _returned.Add(map[(int)index]);
        }
        f.Eax = Smap;
        f.Ecx = MemoryMapEntry.E820Size;
        f.Ebx = index + 1 >= (uint)map.Count ? 0 : index + 1;
    }

    /// <summary>AX = CX = KiB between 1 MiB and 16 MiB, BX = DX = 64 KiB blocks above 16 MiB.</summary>
    private void E801(BiosFrame f)
    {
        var end = LegacyRamEnd();
        const ulong sixteen = 16 * Mib;
        if (end > sixteen)
        {
            f.Cx = 15 * 1024;
            f.Dx = (ushort)Math.Min(0xFFFF, (end - sixteen) / 0x1_0000);
        }
        else
        {
            f.Cx = (ushort)((end - Mib) / 1024);
            f.Dx = 0;
        }
        f.Ax = f.Cx;
        f.Bx = f.Dx;
        f.Success();
    }

    /// <summary>SeaBIOS's LegacyRamSize: the end of the RAM that runs on without a hole from 1 MiB, below 4 GiB.</summary>
    private ulong LegacyRamEnd()
    {
        var end = Mib;
        bool grew;
        do
        {
            grew = false;
            foreach (var e in map)
            {
                if (e.Type == MemoryType.Ram && e.Address <= end && e.End > end)
                {
                    end = Math.Min(e.End, 1UL << 32);
                    grew = true;
                }
            }
        }
        while (grew && end < 1UL << 32);
        return end;
    }
}
