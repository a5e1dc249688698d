using System.CommandLine;
using LoaderHarness.Cli.Output;
using LoaderHarness.Loader.Measure;

namespace LoaderHarness.Cli.Commands;

/// <summary><c>measure &lt;kernel&gt; [--initrd F] [--cmdline S] [--sev-hashes-out F] [--json]</c>: the SEV hashes table for measured direct boot.</summary>
internal static class MeasureCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var kernel = new Argument<FileInfo>("kernel") { Description = "The x86 kernel QEMU is given (-kernel): a bzImage or a unified kernel image, hashed as the file it is." };
        var initrd = new Option<FileInfo?>("--initrd") { Description = "The initrd (-initrd); without one QEMU hashes an empty buffer." };
        var cmdline = new Option<string>("--cmdline") { Description = "The command line (-append); hashed with its terminating NUL, \"\\0\" alone when none.", DefaultValueFactory = _ => "" };
        var tableOut = new Option<FileInfo?>("--sev-hashes-out") { Description = "Write the padded SEV hashes table (176 bytes) OVMF verifies to this file." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object: kernelSha256, initrdSha256, cmdlineSha256, table (hex)." };
        var command = new Command("measure",
            "Measured direct boot (AMD SEV): the SHA-256 of kernel, initrd and command line exactly as QEMU's sev_add_kernel_loader_hashes takes them, and the GUID-ed hashes table OVMF checks them against.")
        {
            kernel, initrd, cmdline, tableOut, json,
        };
        command.SetAction(parse => CliApp.Guard(stderr, () =>
        {
            if (parse.GetValue(tableOut) is { } target)
                OutputFile.Check("--sev-hashes-out", target.FullName);
            using var mapped = MappedFile.Open(parse.GetValue(kernel)!.FullName);
            var initrdBytes = parse.GetValue(initrd) is { } f ? InputFile.ReadAll(f.FullName) : [];
            var m = KernelMeasurement.Measure(mapped.Memory.Span, initrdBytes, parse.GetValue(cmdline));
            if (parse.GetValue(tableOut) is { } output)
                File.WriteAllBytes(output.FullName, m.Table);
            var asJson = parse.GetValue(json);
            ReportSchema.Start("measure", asJson)
                .Add("kernelSha256", Convert.ToHexStringLower(m.KernelSha256))
                .Add("initrdSha256", Convert.ToHexStringLower(m.InitrdSha256))
                .Add("cmdlineSha256", Convert.ToHexStringLower(m.CmdlineSha256))
                .Add("setupSize", (ulong)m.SetupSize)
                .Add("kernelSize", (ulong)m.KernelSize)
                .Add("initrdSize", (ulong)initrdBytes.Length)
                .Add("table", Convert.ToHexStringLower(m.Table))
                .Add("tableOut", parse.GetValue(tableOut)?.FullName)
                .WriteTo(stdout, asJson);
            return CliApp.Ok;
        }));
        return command;
    }
}
