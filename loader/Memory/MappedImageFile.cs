using System.Buffers;
using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;

namespace LoaderHarness.Loader.Memory;

/// <summary>
/// A kernel file mapped read-only into the process instead of read into a managed array: the page cache's
/// pages are used in place, so a 53 MB vmlinux costs page-table entries rather than an allocation and a
/// copy. It keeps the file open (<see cref="IFileBacked"/>) so <see cref="GuestMemory.Load"/> can map the
/// segments' pages into guest RAM copy-on-write as well.
/// </summary>
public sealed unsafe class MappedImageFile : MemoryManager<byte>, IFileBacked
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _pointer;
    private readonly int _length;

    private MappedImageFile(SafeFileHandle file, MemoryMappedFile map, MemoryMappedViewAccessor view, int length)
    {
        File = file;
        _map = map;
        _view = view;
        _length = length;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref _pointer);
        _pointer += view.PointerOffset;
    }

    /// <summary>Maps the first <paramref name="length"/> bytes (1 to <see cref="int.MaxValue"/>) of the regular file at <paramref name="path"/>.</summary>
    public static MappedImageFile Open(string path, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, int.MaxValue);
        var file = System.IO.File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            var map = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
            return new MappedImageFile(file, map, map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read), (int)length);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public SafeFileHandle File { get; }

    /// <inheritdoc/>
    public long FileOffset => 0;

    /// <inheritdoc/>
    public override Span<byte> GetSpan() => new(_pointer, _length);

    /// <inheritdoc/>
    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    /// <inheritdoc/>
    public override void Unpin()
    {
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
        File.Dispose();
    }
}
