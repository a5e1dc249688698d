using System.CommandLine;
using LoaderHarness.Cli.Output;

namespace LoaderHarness.Cli.Commands;

/// <summary><c>inspect &lt;image&gt; [--json]</c>: the format and every header fact.</summary>
internal static class InspectCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var image = new Argument<FileInfo>("image") { Description = "A kernel image: x86_64 vmlinux (ELF), bzImage, arm64 Image or Image.gz, riscv64 Image, unified kernel image (UKI) or EFI zboot image." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (camelCase spec field names, numbers as numbers; schema: docs/schema/loader-harness.schema.json)." };
        var command = new Command("inspect", "Detect an image's format and print every header field: entry, PVH entry, protocol version, setup header, payload, segments.")
        {
            image, json,
        };
        command.SetAction(parse => CliApp.Guard(stderr, () =>
        {
            using var mapped = MappedFile.Open(parse.GetValue(image)!.FullName);
            var asJson = parse.GetValue(json);
            ImageFacts.Describe(mapped.Memory, ReportSchema.Start("inspect", asJson)).WriteTo(stdout, asJson);
            return CliApp.Ok;
        }));
        return command;
    }
}
