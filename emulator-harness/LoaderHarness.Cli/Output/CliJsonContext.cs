using System.Text.Json.Serialization;
using LoaderHarness.Cli.Conform;

namespace LoaderHarness.Cli.Output;

/// <summary>
/// Serialization metadata for the CLI's typed JSON reports, written at compile time by the System.Text.Json
/// source generator: the native (AOT, trimmed) executable has no reflection-based serializer to fall back on.
/// camelCase names, nulls written (a reader sees every field of the schema), indented.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(ConformJsonReport))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
