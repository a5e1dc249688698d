using System.Text.Json;
using System.Text.Json.Nodes;

namespace LoaderHarness.Cli.Output;

/// <summary>
/// An ordered list of named facts a command reports: printed as aligned "name: value" lines (numbers in
/// hex) or as one JSON object (numbers as JSON numbers, names camelCase, enum values as <see cref="JsonNames"/>
/// spells them, an address also as its <c>...Hex</c> twin). docs/schema/loader-harness.schema.json describes
/// every object a verb writes.
/// </summary>
public sealed class Facts
{
    private readonly List<(string Name, object? Value)> _items = [];

    /// <summary>Adds a fact; null values are left out.</summary>
    public Facts Add(string name, object? value)
    {
        if (value is not null)
            _items.Add((name, value));
        return this;
    }

    /// <summary>Adds <paramref name="other"/>'s facts in their order, except those named in <paramref name="except"/>.</summary>
    public Facts AddAll(Facts other, params string[] except)
    {
        foreach (var item in other._items)
        {
            if (!except.Contains(item.Name))
                _items.Add(item);
        }
        return this;
    }

    /// <summary>
    /// Adds a guest or file address a human reads: a number in both forms, and in JSON also <c>nameHex</c>
    /// (<c>"0x1000000"</c>) beside it. Null values are left out.
    /// </summary>
    public Facts Address(string name, ulong? value)
    {
        if (value is { } v)
            _items.Add((name, new AddressFact(v)));
        return this;
    }

    /// <summary>Writes the facts as JSON or as text.</summary>
    public void WriteTo(TextWriter output, bool json)
    {
        if (json)
        {
            // A JsonNode written by Utf8JsonWriter: no serializer, no reflection (the CLI is published native).
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
                ToJson().WriteTo(writer);
            output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
            return;
        }
        var width = _items.Count == 0 ? 0 : _items.Max(i => i.Name.Length);
        foreach (var (name, value) in _items)
            WriteText(output, name.PadRight(width), value, "");
    }

    /// <summary>The facts as a JSON object.</summary>
    public JsonObject ToJson()
    {
        var o = new JsonObject();
        foreach (var (name, value) in _items)
        {
            o[name] = ToNode(value);
            if (value is AddressFact address)
                o[name + "Hex"] = JsonNames.Hex(address.Value);
        }
        return o;
    }

    private static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        AddressFact a => JsonValue.Create(a.Value),
        Facts f => f.ToJson(),
        IEnumerable<Facts> list => new JsonArray(list.Select(f => (JsonNode?)f.ToJson()).ToArray()),
        IEnumerable<string> strings => new JsonArray(strings.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()),
        IEnumerable<ulong> numbers => new JsonArray(numbers.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()),
        bool b => JsonValue.Create(b),
        string s => JsonValue.Create(s),
        ulong u => JsonValue.Create(u),
        long l => JsonValue.Create(l),
        uint u => JsonValue.Create(u),
        int i => JsonValue.Create(i),
        ushort u => JsonValue.Create(u),
        byte b => JsonValue.Create(b),
        double d => JsonValue.Create(d),
        Enum e => JsonValue.Create(JsonNames.Of(e)),
        _ => JsonValue.Create(value.ToString()),
    };

    private static void WriteText(TextWriter output, string name, object? value, string indent)
    {
        switch (value)
        {
            case Facts f:
                output.WriteLine($"{indent}{name}:");
                foreach (var (n, v) in f._items)
                    WriteText(output, n, v, indent + "  ");
                break;
            case IEnumerable<Facts> list:
                output.WriteLine($"{indent}{name}:");
                foreach (var item in list)
                    output.WriteLine($"{indent}  - {string.Join(", ", item._items.Select(i => $"{i.Name} {Format(i.Value)}"))}");
                break;
            default:
                output.WriteLine($"{indent}{name}: {Format(value)}");
                break;
        }
    }

    private static string Format(object? value) => value switch
    {
        AddressFact a => $"0x{a.Value:x}",
        ulong u => $"0x{u:x}",
        long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture), // counts (signed) read in decimal; addresses are unsigned
        uint u => $"0x{u:x}",
        ushort u => $"0x{u:x}",
        byte b => $"0x{b:x}",
        IEnumerable<string> s => string.Join(", ", s),
        IEnumerable<ulong> n => string.Join(", ", n.Select(v => $"0x{v:x}")),
        _ => value?.ToString() ?? "",
    };

    /// <summary>An address: hex in text, a number and its hex twin in JSON.</summary>
    private readonly record struct AddressFact(ulong Value);
}
