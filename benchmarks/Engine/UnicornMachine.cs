using System.Runtime.InteropServices;

namespace LoaderHarness.Benchmarks.Engine;

/// <summary>
/// Unicorn 2 (Debian libunicorn2, QEMU's TCG JIT) running a <see cref="GuestProgram"/> in 64-bit mode over
/// the same memory contents as <see cref="EngineMachine"/>. Unicorn 2.0.x identity-maps x86 linear
/// addresses (upstream issue unicorn-engine/unicorn#1953), so the guest page tables are data to it and its
/// paging cost is its software TLB only. Constants from unicorn/unicorn.h and unicorn/x86.h.
/// </summary>
internal sealed unsafe class UnicornMachine : IDisposable
{
    private const string Library = "libunicorn.so.2";
    private const int ArchX86 = 4, Mode64 = 8;
    private const uint ProtAll = 7;
    private const int HookCode = 1 << 2;
    private const int RegRax = 35, RegR8 = 106;

    /// <summary>UC_X86_REG_RAX..RDI in encoding order.</summary>
    private static readonly int[] Gpr = [35, 38, 40, 37, 44, 36, 43, 39];

    /// <summary>UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE, 2).</summary>
    private const uint RemoveCache = 9u | (2u << 26) | (1u << 30);

    private static ulong _hookCalls;

    private readonly GuestProgram _program;
    private IntPtr _uc;

    [DllImport(Library)] private static extern int uc_open(int arch, int mode, out IntPtr uc);
    [DllImport(Library)] private static extern int uc_close(IntPtr uc);
    [DllImport(Library)] private static extern int uc_mem_map(IntPtr uc, ulong address, nuint size, uint perms);
    [DllImport(Library)] private static extern int uc_mem_write(IntPtr uc, ulong address, byte[] bytes, nuint size);
    [DllImport(Library)] private static extern int uc_reg_write(IntPtr uc, int regid, ref ulong value);
    [DllImport(Library)] private static extern int uc_reg_read(IntPtr uc, int regid, out ulong value);
    [DllImport(Library)] private static extern int uc_emu_start(IntPtr uc, ulong begin, ulong until, ulong timeout, nuint count);
    [DllImport(Library)] private static extern int uc_ctl(IntPtr uc, uint control, ulong begin, ulong end);

    // uc_hook_add is variadic; UC_HOOK_CODE passes no variadic arguments, so the fixed System V call is exact.
    [DllImport(Library)]
    private static extern int uc_hook_add(IntPtr uc, out IntPtr hook, int type, delegate* unmanaged<IntPtr, ulong, uint, IntPtr, void> callback, IntPtr userData, ulong begin, ulong end);

    public UnicornMachine(GuestProgram program)
    {
        if (!NativeLibrary.TryLoad(Library, out _))
            throw new InvalidOperationException("libunicorn.so.2 not found: sudo apt-get install -y libunicorn2");
        _program = program;
        Check(uc_open(ArchX86, Mode64, out _uc), "uc_open");
        Check(uc_mem_map(_uc, 0, (nuint)GuestLayout.MemorySize, ProtAll), "uc_mem_map");
        Write(GuestLayout.PageTables, GuestLayout.BuildPageTables());
        Write(GuestLayout.Source, GuestLayout.SourcePattern());
        Write(GuestLayout.CodeBase, program.Code);
    }

    /// <summary>Instructions the hook has seen (REP iterations count one each in QEMU).</summary>
    public static ulong HookCalls => _hookCalls;

    /// <summary>Installs a UC_HOOK_CODE callback over all addresses that counts, like <see cref="EngineMachine.InstallCountingHook"/>.</summary>
    public void InstallCountingHook() => Check(uc_hook_add(_uc, out _, HookCode, &OnCode, IntPtr.Zero, 1, 0), "uc_hook_add");

    [UnmanagedCallersOnly]
    private static void OnCode(IntPtr uc, ulong address, uint size, IntPtr userData) => _hookCalls++;

    /// <summary>Runs the program until its HLT with zeroed registers; returns RAX. <paramref name="cold"/> drops its translations first.</summary>
    public ulong Run(bool cold = false)
    {
        if (cold)
            Check(uc_ctl(_uc, RemoveCache, GuestLayout.CodeBase, GuestLayout.CodeBase + (ulong)_program.Code.Length), "uc_ctl_remove_cache");
        for (var i = 0; i < 16; i++)
        {
            ulong zero = i == 4 ? GuestLayout.StackTop : 0;
            Check(uc_reg_write(_uc, i < 8 ? Gpr[i] : RegR8 + i - 8, ref zero), "uc_reg_write");
        }
        Check(uc_emu_start(_uc, GuestLayout.CodeBase, _program.End, 0, 0), "uc_emu_start");
        Check(uc_reg_read(_uc, RegRax, out var rax), "uc_reg_read");
        return rax;
    }

    private void Write(ulong address, byte[] bytes) => Check(uc_mem_write(_uc, address, bytes, (nuint)bytes.Length), "uc_mem_write");

    private static void Check(int err, string what)
    {
        if (err != 0)
            throw new InvalidOperationException($"{what} failed with uc_err {err}");
    }

    public void Dispose()
    {
        if (_uc != IntPtr.Zero)
            uc_close(_uc);
        _uc = IntPtr.Zero;
    }
}
