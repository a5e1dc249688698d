using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace LoaderHarness.Tests.Support;

/// <summary>
/// QEMU 7.2 <c>-M virt -cpu cortex-a57</c> as the oracle for the arm64 <c>qemu</c> profile: the DTB it writes
/// (<c>-M virt,dumpdtb=FILE</c>, hw/arm/boot.c arm_load_dtb dumps it after adding /chosen), and the registers
/// at a breakpoint through its gdbstub (<c>-gdb tcp::PORT -S</c>) read by gdb-multiarch.
/// </summary>
internal static class QemuArm64Probe
{
    private static string[] Machine(string memory, string kernel, string initrd, string commandLine) =>
        ["-cpu", "cortex-a57", "-accel", "tcg", "-m", memory, "-display", "none", "-nodefaults", "-serial", "null",
         "-no-reboot", "-kernel", kernel, "-initrd", initrd, "-append", commandLine];

    /// <summary>The DTB QEMU hands <paramref name="kernel"/> (totalsize bytes, 1 MiB).</summary>
    public static byte[] DumpDtb(string memory, string kernel, string initrd, string commandLine)
    {
        var qemu = QemuOracle.Require(QemuMachine.VirtArm64);
        var file = Path.Combine(Path.GetTempPath(), $"qemu-virt-{Environment.ProcessId}-{Guid.NewGuid():N}.dtb");
        try
        {
            QemuOracle.Run(qemu, ["-M", $"virt,dumpdtb={file}", .. Machine(memory, kernel, initrd, commandLine)], TimeSpan.FromSeconds(60));
            return File.Exists(file) ? File.ReadAllBytes(file) : throw new InvalidOperationException("QEMU wrote no DTB");
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>PC, CPSR and x0–x5 when QEMU reaches <paramref name="breakAt"/> (a hardware breakpoint).</summary>
    public static IReadOnlyDictionary<string, ulong> RegistersAt(string memory, string kernel, string initrd, string commandLine, ulong breakAt)
    {
        var qemu = QemuOracle.Require(QemuMachine.VirtArm64);
        var gdb = Prerequisite.RequireTool("gdb-multiarch", "gdb-multiarch");
        var port = FreePort();
        var start = new ProcessStartInfo(qemu) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in (string[])["-M", "virt", .. Machine(memory, kernel, initrd, commandLine), "-gdb", $"tcp:127.0.0.1:{port}", "-S"])
            start.ArgumentList.Add(a);
        using var vm = Process.Start(start) ?? throw new InvalidOperationException($"could not start {qemu}");
        try
        {
            var probe = new ProcessStartInfo(gdb) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in (string[])["-batch", "-nx", "-ex", "set architecture aarch64", "-ex", $"target remote 127.0.0.1:{port}",
                         "-ex", $"hbreak *0x{breakAt:x}", "-ex", "continue", "-ex", "info registers pc cpsr x0 x1 x2 x3 x4 x5", "-ex", "kill"])
                probe.ArgumentList.Add(a);
            var registers = new Dictionary<string, ulong>();
            // QEMU opens its gdb port a moment after it starts: retry the attach.
            for (var attempt = 0; attempt < 20 && registers.Count == 0; attempt++)
            {
                using var g = Process.Start(probe) ?? throw new InvalidOperationException($"could not start {gdb}");
                var output = g.StandardOutput.ReadToEndAsync();
                _ = g.StandardError.ReadToEndAsync();
                if (!g.WaitForExit(TimeSpan.FromSeconds(60)))
                {
                    g.Kill(entireProcessTree: true);
                    throw new TimeoutException($"gdb did not reach 0x{breakAt:x}");
                }
                foreach (var line in output.Result.Split('\n'))
                {
                    var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (fields.Length >= 2 && fields[1].StartsWith("0x", StringComparison.Ordinal)
                        && fields[0] is "pc" or "cpsr" or "x0" or "x1" or "x2" or "x3" or "x4" or "x5")
                        registers[fields[0]] = ulong.Parse(fields[1].AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                }
                if (registers.Count == 0)
                    Thread.Sleep(250);
            }
            return registers.Count > 0 ? registers : throw new InvalidOperationException("gdb read no registers");
        }
        finally
        {
            if (!vm.HasExited)
                vm.Kill(entireProcessTree: true);
            vm.WaitForExit();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
