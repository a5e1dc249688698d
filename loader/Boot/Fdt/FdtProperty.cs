using System.Buffers.Binary;
using System.Text;
using LoaderHarness.Loader.Errors;

namespace LoaderHarness.Loader.Boot.Fdt;

/// <summary>A property read from a device tree: its name and raw big-endian value (DT spec v0.4 §2.2.4).</summary>
public sealed class FdtProperty
{
    internal FdtProperty(string name, byte[] value)
    {
        Name = name;
        Value = value;
    }

    /// <summary>The property name, from the strings block.</summary>
    public string Name { get; }

    /// <summary>The value bytes exactly as stored.</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <summary>The value as one <c>&lt;u32&gt;</c>.</summary>
    /// <exception cref="LoaderException"><see cref="LoaderError.InvalidDeviceTree"/> unless the value is 4 bytes.</exception>
    public uint AsU32()
    {
        RequireLength(sizeof(uint), "<u32>");
        return BinaryPrimitives.ReadUInt32BigEndian(Value.Span);
    }

    /// <summary>The value as one <c>&lt;u64&gt;</c>.</summary>
    /// <exception cref="LoaderException"><see cref="LoaderError.InvalidDeviceTree"/> unless the value is 8 bytes.</exception>
    public ulong AsU64()
    {
        RequireLength(sizeof(ulong), "<u64>");
        return BinaryPrimitives.ReadUInt64BigEndian(Value.Span);
    }

    /// <summary>The value as 32-bit cells.</summary>
    /// <exception cref="LoaderException"><see cref="LoaderError.InvalidDeviceTree"/> unless the length is a multiple of 4.</exception>
    public uint[] AsU32Array()
    {
        if (Value.Length % sizeof(uint) != 0)
        {
            throw Invalid($"is {Value.Length} bytes, not a whole number of 32-bit cells");
        }

        uint[] cells = new uint[Value.Length / sizeof(uint)];
        for (int i = 0; i < cells.Length; i++)
        {
            cells[i] = BinaryPrimitives.ReadUInt32BigEndian(Value.Span[(i * sizeof(uint))..]);
        }

        return cells;
    }

    /// <summary>The value as one NUL-terminated <c>&lt;string&gt;</c>.</summary>
    /// <exception cref="LoaderException"><see cref="LoaderError.InvalidDeviceTree"/> unless it is exactly one string.</exception>
    public string AsString()
    {
        string[] strings = AsStringList();
        if (strings.Length != 1)
        {
            throw Invalid($"holds {strings.Length} strings, expected one <string>");
        }

        return strings[0];
    }

    /// <summary>The value as a <c>&lt;stringlist&gt;</c>: every string NUL-terminated.</summary>
    /// <exception cref="LoaderException"><see cref="LoaderError.InvalidDeviceTree"/> when empty or the last byte is not NUL.</exception>
    public string[] AsStringList()
    {
        var bytes = Value.Span;
        if (bytes.IsEmpty || bytes[^1] != 0)
        {
            throw Invalid("does not end with a NUL terminator (DT spec v0.4 §2.2.4.2 <string>)");
        }

        return Encoding.UTF8.GetString(bytes[..^1]).Split('\0');
    }

    private void RequireLength(int length, string type)
    {
        if (Value.Length != length)
        {
            throw Invalid($"is {Value.Length} bytes, expected {length} for {type} (DT spec v0.4 §2.2.4.2)");
        }
    }

    private LoaderException Invalid(string rule) => new(LoaderError.InvalidDeviceTree, $"property '{Name}' {rule}");
}
