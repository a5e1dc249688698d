namespace LoaderHarness.Loader.Boot.Fdt;

/// <summary>A node read from a device tree, with its properties and children in blob order.</summary>
public sealed class FdtNode
{
    private readonly List<FdtProperty> _properties = [];
    private readonly List<FdtNode> _children = [];

    internal FdtNode(string name) => Name = name;

    /// <summary><c>node-name[@unit-address]</c>; "" for the root.</summary>
    public string Name { get; }

    /// <summary>The node's properties.</summary>
    public IReadOnlyList<FdtProperty> Properties => _properties;

    /// <summary>The node's children.</summary>
    public IReadOnlyList<FdtNode> Children => _children;

    /// <summary>The property called <paramref name="name"/>, or null.</summary>
    public FdtProperty? FindProperty(string name) =>
        _properties.Find(p => string.Equals(p.Name, name, StringComparison.Ordinal));

    /// <summary>
    /// The child called <paramref name="name"/>. A name without '@' also matches a child with a unit
    /// address ("memory" finds "memory@80000000"), as libfdt's <c>fdt_subnode_offset</c> does.
    /// </summary>
    public FdtNode? FindChild(string name)
    {
        var exact = _children.Find(c => string.Equals(c.Name, name, StringComparison.Ordinal));
        if (exact is not null || name.Contains('@', StringComparison.Ordinal))
        {
            return exact;
        }

        return _children.Find(c => c.Name.StartsWith(name + "@", StringComparison.Ordinal));
    }

    internal void Add(FdtProperty property) => _properties.Add(property);

    internal void Add(FdtNode child) => _children.Add(child);
}
