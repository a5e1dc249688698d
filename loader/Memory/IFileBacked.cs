using Microsoft.Win32.SafeHandles;

namespace LoaderHarness.Loader.Memory;

/// <summary>
/// Memory (a <see cref="System.Buffers.MemoryManager{T}"/>) whose bytes are a file's, from a known offset: guest
/// memory can then map the file's pages copy-on-write instead of copying them (<see cref="GuestMemory.Load"/>).
/// </summary>
public interface IFileBacked
{
    /// <summary>The open file the bytes come from.</summary>
    SafeFileHandle File { get; }

    /// <summary>The file offset of the memory's first byte.</summary>
    long FileOffset { get; }
}
