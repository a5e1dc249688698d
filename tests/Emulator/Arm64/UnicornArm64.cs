using System.Runtime.InteropServices;
using LoaderHarness.Tests.Support;

namespace LoaderHarness.Tests.Emulator.Arm64;

/// <summary>
/// Minimal P/Invoke binding to Unicorn 2's arm64 engine (Debian package libunicorn2), the reference for
/// the differential tests. Constants from unicorn/unicorn.h and unicorn/arm64.h of Unicorn 2.0.1
/// (Debian bookworm's libunicorn-dev): UC_ARCH_ARM64 = 2, UC_MODE_ARM = 0, uc_arm64_reg X29 = 1, X30 = 2,
/// NZCV = 3, SP = 4, X0 = 199 ... X28 = 227, PC = 260.
/// </summary>
internal sealed class UnicornArm64 : IDisposable
{
    private const string Library = "libunicorn.so.2";
    private const int ArchArm64 = 2;
    private const uint ProtAll = 7;

    public const int Nzcv = 3;
    public const int Sp = 4;

    /// <summary>uc_arm64_reg of X<paramref name="n"/> (0–30).</summary>
    public static int X(int n) => n switch
    {
        29 => 1,
        30 => 2,
        _ => 199 + n,
    };

    private IntPtr _handle;

    [DllImport(Library)] private static extern int uc_open(int arch, int mode, out IntPtr uc);
    [DllImport(Library)] private static extern int uc_close(IntPtr uc);
    [DllImport(Library)] private static extern int uc_ctl(IntPtr uc, uint control, ulong begin, ulong end);
    [DllImport(Library)] private static extern int uc_mem_map(IntPtr uc, ulong address, nuint size, uint perms);
    [DllImport(Library)] private static extern int uc_mem_write(IntPtr uc, ulong address, byte[] bytes, nuint size);
    [DllImport(Library)] private static extern int uc_mem_read(IntPtr uc, ulong address, byte[] bytes, nuint size);
    [DllImport(Library)] private static extern int uc_reg_write(IntPtr uc, int regid, ref ulong value);
    [DllImport(Library)] private static extern int uc_reg_read(IntPtr uc, int regid, ref ulong value);
    [DllImport(Library)] private static extern int uc_emu_start(IntPtr uc, ulong begin, ulong until, ulong timeout, nuint count);

    /// <summary>Whether libunicorn.so.2 can be loaded.</summary>
    public static bool IsAvailable => NativeLibrary.TryLoad(Library, out _);

    /// <summary>Fails under CI and ignores locally when Unicorn is missing.</summary>
    public static void RequireOrIgnore()
    {
        if (!IsAvailable)
            Prerequisite.Missing("libunicorn.so.2 not found: sudo apt-get install -y libunicorn2");
    }

    public UnicornArm64() => Check(uc_open(ArchArm64, 0, out _handle), "uc_open");

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

    /// <summary>Runs from <paramref name="begin"/> until PC reaches <paramref name="until"/>; returns the uc_err code.</summary>
    public int Run(ulong begin, ulong until) => uc_emu_start(_handle, begin, until, 0, 0);

    /// <summary>Drops translated blocks for <c>[begin, end)</c> (uc_ctl_remove_cache: UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE = 9, 2)).</summary>
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
