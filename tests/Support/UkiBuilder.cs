using System.Text;

namespace LoaderHarness.Tests.Support;

/// <summary>
/// Builds a unified kernel image the way ukify lays one out (UAPI "Unified Kernel Image" specification; systemd
/// src/ukify/ukify.py): a PE whose stub code is one section, then .osrel, .cmdline, .dtb, .uname, .initrd and
/// .linux last. The stub here is a single <c>ret</c>: the loader never runs it, so systemd-stub is not needed.
/// </summary>
internal static class UkiBuilder
{
    public static byte[] Build(byte[] linux, byte[]? initrd = null, string? cmdline = null, string? osrel = null, string? uname = null,
        byte[]? dtb = null, ushort machine = PeWriter.MachineX64)
    {
        var sections = new List<(string, byte[])> { (".text", [0xC3]) };
        if (osrel is not null)
            sections.Add((".osrel", Encoding.UTF8.GetBytes(osrel)));
        if (cmdline is not null)
            sections.Add((".cmdline", Encoding.UTF8.GetBytes(cmdline)));
        if (dtb is not null)
            sections.Add((".dtb", dtb));
        if (uname is not null)
            sections.Add((".uname", Encoding.UTF8.GetBytes(uname)));
        if (initrd is not null)
            sections.Add((".initrd", initrd));
        sections.Add((".linux", linux));
        return PeWriter.Write(machine, sections).Bytes;
    }
}
