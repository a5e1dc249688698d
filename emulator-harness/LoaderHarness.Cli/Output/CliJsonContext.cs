using System.Text.Json.Serialization;
using LoaderHarness.Cli.Conform;

namespace LoaderHarness.Cli.Output;

/// <summary>
/// Serialization metadata for the CLI's typed JSON reports, written at compile time by the System.Text.Json
/// source generator: the native (AOT, trimmed) executable has no reflection-based serializer to fall back on.
/// camelCase names, indented; nulls left out, as every other verb's JSON (Facts) leaves them out.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ConformJsonReport))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
