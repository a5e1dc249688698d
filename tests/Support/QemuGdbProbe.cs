using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using LoaderHarness.Loader.Boot.MemoryMap;

namespace LoaderHarness.Tests.Support;

/// <summary>
/// QEMU stopped at a kernel address through its gdbstub (<c>-gdb tcp::PORT -S</c>, QEMU docs/system/gdb.rst), with
/// <c>gdb -batch</c> reading guest memory there: the oracle for what a VMM really hands the kernel. The kernel
/// must run at its link address (a vmlinux through PVH, or a bzImage with <c>nokaslr</c>) so that
/// <c>start_kernel</c> and <c>boot_params</c> are where System.map says.
/// </summary>
internal static class QemuGdbProbe
{
    /// <summary>
    /// Boots <paramref name="kernel"/> in <paramref name="machine"/> with <paramref name="memory"/> of RAM, stops at
    /// linear <paramref name="breakAt"/> (a hardware breakpoint) and returns <paramref name="length"/> bytes of guest
    /// memory at <paramref name="read"/> (a linear address under the kernel's page tables); with <paramref name="initrd"/>
    /// passed as <c>-initrd</c>.
    /// </summary>
    public static byte[] ReadAt(QemuMachine machine, string kernel, string commandLine, string memory, ulong breakAt, ulong read, int length, TimeSpan timeout,
        string? initrd = null)
    {
        var qemu = QemuOracle.Require(machine);
        var gdb = Prerequisite.RequireTool("gdb", "gdb");
        var port = FreePort();
        var dump = Path.Combine(Path.GetTempPath(), $"qemu-gdb-{Environment.ProcessId}-{port}.bin");
        var start = new ProcessStartInfo(qemu) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in (string[])[.. machine.MachineArguments, "-accel", "tcg", "-m", memory, "-display", "none", "-nodefaults",
                     "-serial", "null", "-no-reboot", "-kernel", kernel, "-append", commandLine, "-gdb", $"tcp:127.0.0.1:{port}", "-S"])
            start.ArgumentList.Add(a);
        if (initrd is not null)
        {
            start.ArgumentList.Add("-initrd");
            start.ArgumentList.Add(initrd);
        }
        using var vm = Process.Start(start) ?? throw new InvalidOperationException($"could not start {qemu}");
        try
        {
            var probe = new ProcessStartInfo(gdb) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in (string[])["-batch", "-nx", "-ex", "set architecture i386:x86-64", "-ex", $"target remote 127.0.0.1:{port}",
                         "-ex", $"hbreak *0x{breakAt:x}", "-ex", "continue", "-ex", $"dump binary memory {dump} 0x{read:x} 0x{read + (ulong)length:x}", "-ex", "kill"])
                probe.ArgumentList.Add(a);
            // QEMU opens its gdb port before it starts listening on it: retry the attach for a moment.
            string output = "";
            for (var attempt = 0; attempt < 20 && !File.Exists(dump); attempt++)
            {
                using var g = Process.Start(probe) ?? throw new InvalidOperationException($"could not start {gdb}");
                var stdout = g.StandardOutput.ReadToEndAsync();
                var stderr = g.StandardError.ReadToEndAsync();
                if (!g.WaitForExit(timeout))
                {
                    g.Kill(entireProcessTree: true);
                    throw new TimeoutException($"gdb did not reach 0x{breakAt:x} in {timeout}");
                }
                output = stdout.Result + stderr.Result;
                if (!File.Exists(dump))
                    Thread.Sleep(250);
            }
            if (!File.Exists(dump))
                throw new InvalidOperationException($"gdb read nothing at 0x{read:x}: {output}");
            return File.ReadAllBytes(dump);
        }
        finally
        {
            if (!vm.HasExited)
                vm.Kill(entireProcessTree: true);
            vm.WaitForExit();
            File.Delete(dump);
        }
    }

    /// <summary>
    /// <c>boot_params.e820_table</c> from the bytes of <c>struct boot_params</c>: <c>e820_entries</c> at 0x1E8, the
    /// 20-byte <c>struct boot_e820_entry</c>s at 0x2D0 (arch/x86/include/uapi/asm/bootparam.h).
    /// </summary>
    public static IReadOnlyList<MemoryMapEntry> E820(ReadOnlySpan<byte> bootParams)
    {
        var entries = new List<MemoryMapEntry>();
        for (var i = 0; i < bootParams[0x1E8]; i++)
        {
            var e = bootParams.Slice(0x2D0 + (20 * i), 20);
            entries.Add(new MemoryMapEntry(BinaryPrimitives.ReadUInt64LittleEndian(e), BinaryPrimitives.ReadUInt64LittleEndian(e[8..]),
                (MemoryType)BinaryPrimitives.ReadUInt32LittleEndian(e[16..])));
        }
        return entries;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
