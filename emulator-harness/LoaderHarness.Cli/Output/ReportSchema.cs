namespace LoaderHarness.Cli.Output;

/// <summary>
/// The one result schema every verb's JSON follows, docs/schema/loader-harness.schema.json: each object
/// starts with <c>schemaVersion</c> and the <c>command</c> that wrote it, which selects the verb's definition.
/// </summary>
public static class ReportSchema
{
    /// <summary>
    /// The schema's version, <c>major.minor</c>: the minor number grows when fields are added (older readers
    /// keep working), the major when a field is renamed, retyped or removed.
    /// </summary>
    public const string Version = "1.2";

    /// <summary>The schema's <c>$id</c>.</summary>
    public const string Id = "urn:loader-harness:schema:report";

    /// <summary>
    /// The facts a verb's report starts with: in JSON <c>schemaVersion</c> and <c>command</c>; in text nothing,
    /// since a human reading the lines knows which command they ran.
    /// </summary>
    public static Facts Start(string command, bool json) =>
        json ? new Facts().Add("schemaVersion", Version).Add("command", command) : new Facts();
}
