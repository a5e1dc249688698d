using System.CommandLine;
using LoaderHarness.Cli.Output;
using LoaderHarness.Loader.Images.BzImage;

namespace LoaderHarness.Cli.Commands;

/// <summary><c>extract-vmlinux &lt;bzImage&gt; -o &lt;file&gt;</c>.</summary>
internal static class ExtractVmlinuxCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var image = new Argument<FileInfo>("bzImage") { Description = "An x86 bzImage (protocol 2.08+, which records where its payload is)." };
        var output = new Option<FileInfo>("--output", "-o") { Description = "Where to write the vmlinux ELF.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary (schema: docs/schema/loader-harness.schema.json)." };
        var command = new Command("extract-vmlinux",
            "Decompress the vmlinux ELF embedded in a bzImage (payload_offset/payload_length; gzip, bzip2, lzma, xz, lz4, zstd).")
        {
            image, output, json,
        };
        command.SetAction(parse => CliApp.Guard(stderr, () =>
        {
            OutputFile.Check("--output", parse.GetValue(output)!.FullName);
            using var mapped = MappedFile.Open(parse.GetValue(image)!.FullName);
            var bytes = mapped.Memory;
            var (_, compression) = VmlinuxExtractor.FindPayload(bytes);
            var vmlinux = VmlinuxExtractor.Extract(bytes);
            var target = parse.GetValue(output)!;
            File.WriteAllBytes(target.FullName, vmlinux);
            var asJson = parse.GetValue(json);
            ReportSchema.Start("extract-vmlinux", asJson)
                .Add("output", target.FullName)
                .Add("payloadCompression", compression.ToString().ToLowerInvariant())
                .Add("size", (ulong)vmlinux.Length)
                .WriteTo(stdout, asJson);
            return CliApp.Ok;
        }));
        return command;
    }
}
