using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Loader.Images;

/// <summary>
/// Carries out a validated list of <see cref="SegmentPlacement"/>s. Every range is checked against
/// the source and guest RAM before the first byte is written, so a rejected load leaves guest
/// memory as it was.
/// </summary>
internal static class LoadPlan
{
    public static void Validate(GuestMemory memory, IReadOnlyList<SegmentPlacement> segments, ulong sourceLength)
    {
        foreach (var s in segments)
        {
            if (s.FileOffset > sourceLength || s.FileSize > sourceLength - s.FileOffset)
                throw new LoaderException(LoaderError.SegmentOutsideFile,
                    $"segment bytes [0x{s.FileOffset:x}, +0x{s.FileSize:x}) lie past the end of the 0x{sourceLength:x}-byte image");
            if (s.GuestAddress + s.MemorySize < s.GuestAddress)
                throw new LoaderException(LoaderError.MemoryOverflow, $"segment at 0x{s.GuestAddress:x} + 0x{s.MemorySize:x} wraps past 2^64");
            memory.CheckRange(s.GuestAddress, Math.Max(s.MemorySize, s.FileSize), "kernel segment");
        }
    }

    public static void Apply(GuestMemory memory, IReadOnlyList<SegmentPlacement> segments, ReadOnlySpan<byte> image)
    {
        Validate(memory, segments, (ulong)image.Length);
        foreach (var s in segments)
            memory.Write(s.GuestAddress, image.Slice((int)s.FileOffset, (int)s.FileSize));
    }

    /// <summary>
    /// Streams each segment straight into guest memory. If the stream fails part-way, the guest
    /// ranges already touched are restored from a journal taken just before they were written; a failed seek is
    /// <paramref name="seekError"/> (linux-loader elf::SeekKernelStart, pe::SeekImageHeader…), restored the same way.
    /// </summary>
    public static void Apply(GuestMemory memory, IReadOnlyList<SegmentPlacement> segments, Stream image, LoaderError seekError)
    {
        Validate(memory, segments, (ulong)image.Length);
        using var journal = new WriteJournal(memory);
        try
        {
            foreach (var s in segments)
            {
                journal.Save(s.GuestAddress, s.FileSize);
                ImageStreams.Seek(image, (long)s.FileOffset, seekError, "a segment's bytes");
                memory.CopyFrom(s.GuestAddress, image, s.FileSize);
            }
        }
        catch (LoaderException)
        {
            journal.Restore();
            throw;
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or NotSupportedException or ObjectDisposedException)
        {
            journal.Restore();
            throw new LoaderException(LoaderError.ReadKernelImage, $"reading the kernel image failed: {e.Message}", e);
        }
    }
}
