using System.Runtime.InteropServices;

namespace LoaderHarness.Tests.Support;

/// <summary>
/// Minimal P/Invoke binding to Unicorn 2 (Debian package libunicorn2), the reference emulator of the x86
/// and arm64 differential tests. Constants from unicorn/unicorn.h (unicorn-engine/unicorn); register
/// numbers per architecture are in UnicornX86 and UnicornArm64.
/// </summary>
internal sealed class Unicorn : IDisposable
{
    private const string Library = "libunicorn.so.2";

    /// <summary>UC_PROT_ALL.</summary>
    private const uint ProtAll = 7;

    private IntPtr _handle;

    [DllImport(Library)] private static extern int uc_ctl(IntPtr uc, uint control, ulong begin, ulong end);
    [DllImport(Library)] private static extern uint uc_version(IntPtr major, IntPtr minor);
    [DllImport(Library)] private static extern int uc_open(int arch, int mode, out IntPtr uc);
    [DllImport(Library)] private static extern int uc_close(IntPtr uc);
    [DllImport(Library)] private static extern int uc_mem_map(IntPtr uc, ulong address, nuint size, uint perms);
    [DllImport(Library)] private static extern int uc_mem_write(IntPtr uc, ulong address, byte[] bytes, nuint size);
    [DllImport(Library)] private static extern int uc_mem_read(IntPtr uc, ulong address, byte[] bytes, nuint size);
    [DllImport(Library)] private static extern int uc_reg_write(IntPtr uc, int regid, ref ulong value);
    [DllImport(Library)] private static extern int uc_reg_read(IntPtr uc, int regid, ref ulong value);
    [DllImport(Library)] private static extern int uc_emu_start(IntPtr uc, ulong begin, ulong until, ulong timeout, nuint count);

    /// <summary>Whether libunicorn.so.2 can be loaded.</summary>
    public static bool IsAvailable => NativeLibrary.TryLoad(Library, out _);

    /// <summary>
    /// Fails under CI (the tool must be installed there) and ignores locally when Unicorn is missing,
    /// as the brief requires for tests that need an external tool.
    /// </summary>
    public static void RequireOrIgnore()
    {
        if (IsAvailable)
            return;
        Prerequisite.Missing("libunicorn.so.2 not found: sudo apt-get install -y libunicorn2");
    }

    private Unicorn(int arch, int mode) => Check(uc_open(arch, mode, out _handle), "uc_open");

    /// <summary>An x86 engine in 16-, 32- or 64-bit mode (UC_ARCH_X86 = 4; UC_MODE_16/32/64 = 2/4/8).</summary>
    public static Unicorn X86(int bitness) => new(4, bitness / 8);

    /// <summary>An arm64 engine (UC_ARCH_ARM64 = 2, UC_MODE_ARM = 0).</summary>
    public static Unicorn Arm64() => new(2, 0);

    /// <summary>uc_version's packed major/minor (0x0200 for Debian bookworm's 2.0.1).</summary>
    public static uint Version => uc_version(IntPtr.Zero, IntPtr.Zero) & 0xFFFF;

    public void Map(ulong address, ulong size) => Check(uc_mem_map(_handle, address, (nuint)size, ProtAll), "uc_mem_map");

    public void Write(ulong address, byte[] bytes) => Check(uc_mem_write(_handle, address, bytes, (nuint)bytes.Length), "uc_mem_write");

    public byte[] Read(ulong address, int length)
    {
        var bytes = new byte[length];
        Check(uc_mem_read(_handle, address, bytes, (nuint)length), "uc_mem_read");
        return bytes;
    }

    public void SetRegister(int id, ulong value) => Check(uc_reg_write(_handle, id, ref value), "uc_reg_write");

    public ulong GetRegister(int id)
    {
        ulong value = 0;
        Check(uc_reg_read(_handle, id, ref value), "uc_reg_read");
        return value;
    }

    /// <summary>Runs from <paramref name="begin"/> until RIP reaches <paramref name="until"/>; returns the uc_err code.</summary>
    public int Run(ulong begin, ulong until) => uc_emu_start(_handle, begin, until, 0, 0);

    /// <summary>
    /// Drops translated blocks for <c>[begin, end)</c>: uc_mem_write does not invalidate them in 2.0.x, so
    /// new code at an old address would otherwise run stale translations (uc_ctl_remove_cache, unicorn.h:
    /// UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE = 9, 2)).
    /// </summary>
    public void RemoveCache(ulong begin, ulong end) => Check(uc_ctl(_handle, 9u | (2u << 26) | (1u << 30), begin, end), "uc_ctl_remove_cache");

    private static void Check(int err, string what)
    {
        if (err != 0)
            throw new InvalidOperationException($"{what} failed with uc_err {err}");
    }

    public void Dispose()
    {
        if (_handle != IntPtr.Zero)
            uc_close(_handle);
        _handle = IntPtr.Zero;
    }
}
