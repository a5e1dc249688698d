using System.Net;

namespace LoaderHarness.Cli.Output;

/// <summary>Text made safe inside HTML and SVG elements and attribute values.</summary>
internal static class Html
{
    /// <summary><paramref name="text"/> with &amp;, &lt;, &gt;, quotes escaped.</summary>
    public static string Encode(string? text) => WebUtility.HtmlEncode(text ?? "");
}
