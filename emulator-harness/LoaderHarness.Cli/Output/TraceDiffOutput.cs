using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LoaderHarness.Emulator.Traces;

namespace LoaderHarness.Cli.Output;

/// <summary>
/// <c>trace-diff</c>'s report: where the traces were aligned, how far they agree and, at the first divergence,
/// both register states side by side (text) or as one JSON object. Register values are hex strings in JSON: they
/// are 64-bit and read by people; counts and line numbers are numbers.
/// </summary>
internal static class TraceDiffOutput
{
    /// <summary>Writes <paramref name="result"/> as text or JSON.</summary>
    public static void Write(TextWriter output, TraceDiffResult result, bool json)
    {
        if (json)
        {
            output.WriteLine(ToJson(result).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return;
        }
        var c = CultureInfo.InvariantCulture;
        if (result.Start is not { } start)
        {
            output.WriteLine("traces never meet: neither reaches the other's first address (give --from)");
            return;
        }
        output.WriteLine(string.Create(c, $"aligned at 0x{start:x}: {result.Agreed} instructions agree"));
        if (result.Divergence is not { } d)
        {
            var ended = result.EndedA && result.EndedB ? "both traces end" : result.EndedA ? "trace a ends" : result.EndedB ? "trace b ends" : "limit reached";
            output.WriteLine($"no divergence ({ended})");
            return;
        }
        output.WriteLine(d.PcDiffers
            ? string.Create(c, $"first divergence at instruction {d.A.Index} (a line {d.A.Line}, b line {d.B.Line}): a is at 0x{d.A.Pc:x}, b at 0x{d.B.Pc:x}")
            : string.Create(c, $"first divergence at instruction {d.A.Index} (a line {d.A.Line}, b line {d.B.Line}): {string.Join(", ", d.Registers)} differ"));
        if (d.PreviousA is { } p)
            output.WriteLine(string.Create(c, $"  after   0x{p.Pc:x}  {p.Instruction}"));
        output.WriteLine(string.Create(c, $"  a at    0x{d.A.Pc:x}  {d.A.Instruction}"));
        output.WriteLine(string.Create(c, $"  b at    0x{d.B.Pc:x}  {d.B.Instruction}"));
        output.WriteLine("  (* differs, - not compared: ignored, shown by one trace only, or not yet equal)");
        output.WriteLine($"  {"register",-12} {"a",-18} b");
        foreach (var name in Names(d))
        {
            var mark = d.Registers.Contains(name) ? '*' : d.Compared.Contains(name) ? ' ' : '-';
            var a = d.A.Registers.TryGetValue(name, out var va) ? va.ToString() : "";
            var b = d.B.Registers.TryGetValue(name, out var vb) ? vb.ToString() : "";
            output.WriteLine($"{mark} {name,-12} {a,-18} {b,-18}".TrimEnd());
        }
    }

    /// <summary>Every register either record shows: the first trace's order, then the second's others.</summary>
    private static List<string> Names(TraceDivergence d)
    {
        var names = d.A.Registers.Keys.ToList();
        names.AddRange(d.B.Registers.Keys.Where(k => !d.A.Registers.ContainsKey(k)));
        return names;
    }

    private static JsonObject ToJson(TraceDiffResult result)
    {
        var o = new JsonObject
        {
            ["schemaVersion"] = ReportSchema.Version,
            ["command"] = "trace-diff",
            ["aligned"] = result.Start is not null,
        };
        if (result.Start is { } s)
        {
            o["start"] = s;
            o["startHex"] = $"0x{s:x}";
        }
        o["agreedInstructions"] = result.Agreed;
        o["agrees"] = result.Agrees;
        o["endedA"] = result.EndedA;
        o["endedB"] = result.EndedB;
        if (result.Divergence is { } d)
        {
            var divergence = new JsonObject
            {
                ["instruction"] = d.A.Index,
                ["pcDiffers"] = d.PcDiffers,
                ["registers"] = new JsonArray([.. d.Registers.Select(r => (JsonNode)r)]),
            };
            if (d.PreviousA is { } p)
                divergence["after"] = Side(p);
            divergence["a"] = Side(d.A);
            divergence["b"] = Side(d.B);
            o["divergence"] = divergence;
        }
        return o;
    }

    private static JsonObject Side(TraceRecord r)
    {
        var registers = new JsonObject();
        foreach (var (name, value) in r.Registers)
            registers[name] = value.ToString();
        return new JsonObject
        {
            ["line"] = r.Line,
            ["pc"] = r.Pc,
            ["pcHex"] = $"0x{r.Pc:x}",
            ["instruction"] = r.Instruction,
            ["registers"] = registers,
        };
    }
}
