namespace LoaderHarness.Emulator.Devices;

/// <summary>
/// The one device bus of both architectures: routes x86 port I/O and guest-physical MMIO (what is not RAM)
/// to devices. Unclaimed ports read as all ones and swallow writes, like an empty ISA bus; unclaimed MMIO
/// does the same. Devices signal interrupts through <see cref="IInterruptLine"/>s they are given, not
/// through the bus.
/// </summary>
public sealed class IoBus
{
    /// <summary>
    /// The 64 Ki ports in 256 blocks of 256, a block allocated when a device first claims a port in it: a flat
    /// table was 512 KiB on the large object heap for every CPU, most of them with two ports or none claimed.
    /// </summary>
    private readonly IPortDevice?[]?[] _ports = new IPortDevice?[]?[256];
    private readonly List<(ulong Start, ulong Size, IMmioDevice Device)> _mmio = [];

    /// <summary>Claims <paramref name="count"/> ports from <paramref name="first"/> for <paramref name="device"/>.</summary>
    public void Register(ushort first, int count, IPortDevice device)
    {
        for (var i = 0; i < count; i++)
        {
            var port = (ushort)(first + i);
            (_ports[port >> 8] ??= new IPortDevice?[256])[port & 0xFF] = device;
        }
    }

    /// <summary>Claims guest-physical <c>[start, start + size)</c> for <paramref name="device"/>; a window overlapping one already claimed is refused.</summary>
    public void RegisterMmio(ulong start, ulong size, IMmioDevice device)
    {
        foreach (var (s, length, _) in _mmio)
            if (start - s < length || s - start < size)
                throw new ArgumentException($"MMIO window 0x{start:x}+0x{size:x} overlaps the one at 0x{s:x}+0x{length:x}", nameof(start));
        _mmio.Add((start, size, device));
    }

    /// <summary>Whether a device claims guest-physical <paramref name="address"/>.</summary>
    public bool ClaimsMmio(ulong address)
    {
        foreach (var (start, length, _) in _mmio)
            if (address - start < length)
                return true;
        return false;
    }

    /// <summary>Port read; all ones when nothing answers.</summary>
    public uint In(ushort port, int size)
    {
        var d = _ports[port >> 8]?[port & 0xFF];
        return d?.Read(port, size) ?? (size == 4 ? 0xFFFF_FFFFu : (1u << (size * 8)) - 1);
    }

    /// <summary>Port write; dropped when nothing answers.</summary>
    public void Out(ushort port, int size, uint value) => _ports[port >> 8]?[port & 0xFF]?.Write(port, size, value);

    /// <summary>Whether any MMIO device is registered (the engine skips the lookup otherwise).</summary>
    public bool HasMmio => _mmio.Count > 0;

    /// <summary>MMIO read; all ones when nothing answers.</summary>
    public ulong MmioRead(ulong address, int size)
    {
        foreach (var (start, length, device) in _mmio)
            if (address - start < length)
                return device.Read(address - start, size);
        return size == 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1;
    }

    /// <summary>MMIO write; dropped when nothing answers.</summary>
    public void MmioWrite(ulong address, int size, ulong value)
    {
        foreach (var (start, length, device) in _mmio)
            if (address - start < length)
            {
                device.Write(address - start, size, value);
                return;
            }
    }
}
