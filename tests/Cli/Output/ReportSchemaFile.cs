using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Cli.Output;

/// <summary>docs/schema/loader-harness.schema.json, loaded once, and an assertion that a report matches it.</summary>
internal static class ReportSchemaFile
{
    private static readonly Lazy<(JsonSchema Schema, JsonNode Document)> Loaded = new(() =>
    {
        var text = File.ReadAllText(Path);
        return (JsonSchema.FromText(text), JsonNode.Parse(text)!);
    });

    /// <summary>Where the schema is in the repository.</summary>
    public static string Path => System.IO.Path.Combine(DebianKernel.RepositoryRoot(), "docs", "schema", "loader-harness.schema.json");

    /// <summary>The schema as a JSON document, to read its enums and definitions.</summary>
    public static JsonNode Document => Loaded.Value.Document;

    /// <summary>Every way <paramref name="json"/> breaks the schema, as "location: message" lines (empty when it matches).</summary>
    public static IReadOnlyList<string> Errors(string json)
    {
        using var document = JsonDocument.Parse(json);
        var result = Loaded.Value.Schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid)
            return [];
        var errors = new List<string>();
        foreach (var detail in result.Details ?? [])
            foreach (var (keyword, message) in detail.Errors ?? new Dictionary<string, string>())
                errors.Add($"{detail.InstanceLocation} ({detail.EvaluationPath} {keyword}): {message}");
        return errors.Count > 0 ? errors : ["invalid (no detail)"];
    }

    /// <summary>Asserts that <paramref name="json"/> is a valid report, naming every violation otherwise.</summary>
    public static void ShouldMatch(string json) =>
        Errors(json).ShouldBeEmpty($"against {Path}:\n{json[..Math.Min(json.Length, 2000)]}");
}
