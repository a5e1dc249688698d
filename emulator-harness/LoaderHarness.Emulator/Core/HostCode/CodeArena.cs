using System.Runtime.InteropServices;

namespace LoaderHarness.Emulator.Core.HostCode;

/// <summary>
/// Where host code lives: chunks of one shared-memory file each, mapped twice, read-write where code is written and
/// read-execute where it runs, so no address is ever writable and executable at once and no block costs a system
/// call (an mmap and an mprotect per block, each mprotect a TLB shootdown, took 4 % of the PVH boot to /init). Blocks
/// take 16-byte-aligned pieces of the newest chunk; a chunk is unmapped once it is full and every block in it was
/// collected. Every CPU's host code shares one (<see cref="Shared"/>), under one lock taken per block made or collected.
/// </summary>
/// <param name="chunkSize">Bytes per chunk (a block larger than this gets a chunk of its own).</param>
internal sealed unsafe partial class CodeArena(int chunkSize)
{
    /// <summary>The arena host code is placed in.</summary>
    public static CodeArena Shared { get; } = new(1 << 20);

    // memfd_create(2) flags (include/uapi/linux/memfd.h); mmap(2) constants (include/uapi/asm-generic/mman-common.h, mman.h).
    private const uint MfdCloexec = 0x1;
    private const int ProtRead = 0x1, ProtWrite = 0x2, ProtExec = 0x4;
    private const int MapShared = 0x01, MapPopulate = 0x8000;
    private static readonly nint MapFailed = -1;

    private readonly Lock _gate = new();
    private Chunk? _current;

    /// <summary>Chunks mapped now.</summary>
    public int MappedChunks { get; private set; }

    /// <summary>One file's two mappings, how much of it is handed out, and how many blocks still use it.</summary>
    internal sealed class Chunk(nint write, nint execute, int size)
    {
        public readonly nint Write = write, Execute = execute;
        public readonly int Size = size;
        public int Used, Live;
    }

    /// <summary>
    /// Copies <paramref name="code"/> into the arena: the chunk it went to (to hand back to <see cref="Release"/>) and
    /// the address it runs at; null when the host refuses the memory.
    /// </summary>
    public (Chunk Chunk, nint Entry)? Place(ReadOnlySpan<byte> code)
    {
        lock (_gate)
        {
            if (_current is not { } chunk || chunk.Size - chunk.Used < code.Length)
            {
                Retire(_current);
                if (Map(Math.Max(chunkSize, (code.Length + 4095) & ~4095)) is not { } fresh)
                    return null;
                chunk = _current = fresh;
            }
            var at = chunk.Used;
            code.CopyTo(new Span<byte>((void*)(chunk.Write + at), code.Length));
            chunk.Used = (at + code.Length + 15) & ~15;
            chunk.Live++;
            return (chunk, chunk.Execute + at);
        }
    }

    /// <summary>A block placed in <paramref name="chunk"/> was collected.</summary>
    public void Release(Chunk chunk)
    {
        lock (_gate)
        {
            if (--chunk.Live == 0 && chunk != _current)
                Unmap(chunk);
        }
    }

    /// <summary>The chunk being filled is replaced: unmapped now when no block uses it, else by the last block's release.</summary>
    private void Retire(Chunk? chunk)
    {
        if (chunk is { Live: 0 })
            Unmap(chunk);
        _current = null;
    }

    private Chunk? Map(int size)
    {
        var fd = MemfdCreate("loader-harness-code", MfdCloexec);
        if (fd < 0)
            return null;
        try
        {
            if (Ftruncate(fd, size) != 0)
                return null;
            var write = Mmap(0, (nuint)size, ProtRead | ProtWrite, MapShared | MapPopulate, fd, 0);
            if (write == MapFailed)
                return null;
            var execute = Mmap(0, (nuint)size, ProtRead | ProtExec, MapShared | MapPopulate, fd, 0);
            if (execute == MapFailed)
            {
                _ = Munmap(write, (nuint)size);
                return null;
            }
            MappedChunks++;
            return new Chunk(write, execute, size);
        }
        finally
        {
            _ = Close(fd); // the mappings keep the file
        }
    }

    private void Unmap(Chunk chunk)
    {
        _ = Munmap(chunk.Write, (nuint)chunk.Size);
        _ = Munmap(chunk.Execute, (nuint)chunk.Size);
        MappedChunks--;
    }

    [LibraryImport("libc", EntryPoint = "memfd_create", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MemfdCreate(string name, uint flags);

    [LibraryImport("libc", EntryPoint = "ftruncate")]
    private static partial int Ftruncate(int fd, long length);

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial nint Mmap(nint address, nuint length, int prot, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(nint address, nuint length);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
