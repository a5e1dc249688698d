using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Images.Elf;
using LoaderHarness.Loader.Images.Image;

namespace LoaderHarness.Loader.Images;

/// <summary>
/// Where a kernel went (linux-loader loader::KernelLoaderResult, plus what it leaves out).
/// </summary>
public sealed record KernelLoadResult
{
    /// <summary>The image format that was loaded.</summary>
    public required ImageFormat Format { get; init; }
    /// <summary>linux-loader <c>kernel_load</c>: ELF e_entry (+ offset), bzImage protected-mode load address, Image base + text_offset.</summary>
    public required ulong KernelLoad { get; init; }
    /// <summary>linux-loader <c>kernel_end</c>: one past the highest guest byte the kernel claims.</summary>
    public required ulong KernelEnd { get; init; }
    /// <summary>One past the highest guest byte any segment claims (BSS and Image image_size included).</summary>
    public ulong ClaimedEnd => Segments.Count == 0 ? KernelEnd : Math.Max(KernelEnd, Segments.Max(s => s.GuestEnd));
    /// <summary>The pieces copied into guest memory.</summary>
    public required IReadOnlyList<SegmentPlacement> Segments { get; init; }
    /// <summary>bzImage only: the setup header with <c>code32_start</c> rewritten to the load address.</summary>
    public SetupHeader? SetupHeader { get; init; }
    /// <summary>arm64 / riscv64 only: the Image header.</summary>
    public ImageHeader? ImageHeader { get; init; }
    /// <summary>ELF only: whether and where the PVH entry may be used.</summary>
    public PvhBootCapability Pvh { get; init; } = PvhBootCapability.NotPresent;

    /// <summary>The guest ranges <c>[Start, End)</c> the image's file ranges (offset, length) were placed at, as far as segments hold them.</summary>
    public List<(ulong Start, ulong End)> GuestRangesOf(IEnumerable<(ulong Offset, ulong Length)> fileRanges)
    {
        var ranges = new List<(ulong, ulong)>();
        foreach (var (offset, length) in fileRanges)
        {
            foreach (var s in Segments)
            {
                var from = Math.Max(offset, s.FileOffset);
                var to = Math.Min(offset + Math.Min(length, ulong.MaxValue - offset), s.FileOffset + s.FileSize);
                if (from < to)
                    ranges.Add((s.GuestAddress + (from - s.FileOffset), s.GuestAddress + (to - s.FileOffset)));
            }
        }
        return ranges;
    }
}
