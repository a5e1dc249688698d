using System.Runtime.InteropServices;
using LoaderHarness.Emulator.Arm64;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;
using LoaderHarness.Fixtures.Arm64;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Benchmarks.Engine;

/// <summary>This engine's arm64 CPU over 64 MiB at QEMU virt's RAM base with <see cref="TcgGuest.A64Loop"/> loaded and <see cref="GuestLayout.SourcePattern"/> at <see cref="TcgGuest.A64Source"/>.</summary>
internal sealed class A64EngineMachine : IDisposable
{
    public const ulong RamBase = 0x4000_0000;
    public const ulong Code = 0x4008_0000;

    private readonly GuestMemory _memory = new([new GuestRegion(RamBase, 64UL << 20)]);
    private readonly Arm64Cpu _cpu;

    public A64EngineMachine(byte[] code, EngineTier engine)
    {
        _memory.Write(Code, code);
        _memory.Write(TcgGuest.A64Source, GuestLayout.SourcePattern());
        _cpu = new Arm64Cpu(_memory) { Engine = engine };
    }

    /// <summary>Runs the loop from its first instruction to its WFI; returns X1.</summary>
    public ulong Run()
    {
        _cpu[1] = _cpu[2] = 0;
        _cpu.Pc = Code;
        LastRun = _cpu.Run(ulong.MaxValue);
        if (LastRun.Reason != StopReason.Halt)
            throw new InvalidOperationException($"engine stopped early: {LastRun}");
        return _cpu[1];
    }

    public RunResult LastRun { get; private set; }

    public void Dispose() => _memory.Dispose();
}

/// <summary>Unicorn 2's arm64 engine (QEMU TCG in a library) running the same loop; constants from unicorn/unicorn.h and arm64.h.</summary>
internal sealed class A64UnicornMachine : IDisposable
{
    private const string Library = "libunicorn.so.2";
    private const int ArchArm64 = 2, ModeArm = 0;
    private const int RegX0 = 199;

    private readonly ulong _end;
    private IntPtr _uc;

    [DllImport(Library)] private static extern int uc_open(int arch, int mode, out IntPtr uc);
    [DllImport(Library)] private static extern int uc_close(IntPtr uc);
    [DllImport(Library)] private static extern int uc_mem_map(IntPtr uc, ulong address, nuint size, uint perms);
    [DllImport(Library)] private static extern int uc_mem_write(IntPtr uc, ulong address, byte[] bytes, nuint size);
    [DllImport(Library)] private static extern int uc_reg_write(IntPtr uc, int regid, ref ulong value);
    [DllImport(Library)] private static extern int uc_reg_read(IntPtr uc, int regid, out ulong value);
    [DllImport(Library)] private static extern int uc_emu_start(IntPtr uc, ulong begin, ulong until, ulong timeout, nuint count);

    /// <summary>Loads <paramref name="code"/>; the run ends at <paramref name="wfi"/>, the address of its WFI.</summary>
    public A64UnicornMachine(byte[] code, ulong wfi)
    {
        if (!NativeLibrary.TryLoad(Library, out _))
            throw new InvalidOperationException("libunicorn.so.2 not found: sudo apt-get install -y libunicorn2");
        _end = wfi;
        Check(uc_open(ArchArm64, ModeArm, out _uc), "uc_open");
        Check(uc_mem_map(_uc, A64EngineMachine.RamBase, 64 << 20, 7), "uc_mem_map");
        Check(uc_mem_write(_uc, A64EngineMachine.Code, code, (nuint)code.Length), "uc_mem_write");
        var source = GuestLayout.SourcePattern();
        Check(uc_mem_write(_uc, TcgGuest.A64Source, source, (nuint)source.Length), "uc_mem_write");
    }

    /// <summary>Runs the loop to its WFI; returns X1.</summary>
    public ulong Run()
    {
        ulong zero = 0;
        Check(uc_reg_write(_uc, RegX0 + 1, ref zero), "uc_reg_write");
        Check(uc_reg_write(_uc, RegX0 + 2, ref zero), "uc_reg_write");
        Check(uc_emu_start(_uc, A64EngineMachine.Code, _end, 0, 0), "uc_emu_start");
        Check(uc_reg_read(_uc, RegX0 + 1, out var x1), "uc_reg_read");
        return x1;
    }

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
