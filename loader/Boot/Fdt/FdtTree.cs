namespace LoaderHarness.Loader.Boot.Fdt;

/// <summary>A parsed, validated device tree: header, memory reservations and the node tree.</summary>
public sealed class FdtTree
{
    internal FdtTree(FdtHeader header, IReadOnlyList<FdtRegion> memoryReservations, FdtNode root)
    {
        Header = header;
        MemoryReservations = memoryReservations;
        Root = root;
    }

    /// <summary>The blob's header.</summary>
    public FdtHeader Header { get; }

    /// <summary>The memory reservation block's entries, without the (0, 0) terminator.</summary>
    public IReadOnlyList<FdtRegion> MemoryReservations { get; }

    /// <summary>The root node.</summary>
    public FdtNode Root { get; }

    /// <summary>
    /// The node at an absolute <paramref name="path"/> such as <c>/chosen</c> or <c>/cpus/cpu@0</c>,
    /// or null. Components follow <see cref="FdtNode.FindChild"/>.
    /// </summary>
    public FdtNode? FindNode(string path)
    {
        if (!path.StartsWith('/'))
        {
            return null;
        }

        var node = Root;
        foreach (string component in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node.FindChild(component);
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>The property <paramref name="name"/> of the node at <paramref name="path"/>, or null.</summary>
    public FdtProperty? FindProperty(string path, string name) => FindNode(path)?.FindProperty(name);
}
