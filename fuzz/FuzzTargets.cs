using System.Text;
using LoaderHarness.Loader.Boot.Fdt;
using LoaderHarness.Loader.Boot.Pvh;
using LoaderHarness.Loader.Cmdline;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Images.Elf;
using LoaderHarness.Loader.Images.Image;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;
using LoaderHarness.Loader.Symbols;

namespace LoaderHarness.Fuzz;

/// <summary>
/// One fuzz target per parser and engine mode. The contract every target checks: hostile bytes end in a result or a
/// <see cref="LoaderException"/>; any other exception (or a hang, or a bomb) is a finding the fuzzer keeps.
/// </summary>
public static class FuzzTargets
{
    /// <summary>The largest payload the payload target lets a trailer claim: keeps one execution fast.</summary>
    private const int PayloadLimit = 16 << 20;

    /// <summary>Every target by name.</summary>
    public static IReadOnlyDictionary<string, Action<ReadOnlyMemory<byte>>> All { get; } = new Dictionary<string, Action<ReadOnlyMemory<byte>>>
    {
        ["detect"] = Expect(data => { ImageDetector.Detect(data.Span); KernelImage.Parse(data); }),
        ["elf"] = Expect(data => ElfKernel.Parse(data.Span)),
        ["bzimage"] = Expect(data => { SetupHeader.Parse(data.Span); BzImageKernel.Parse(data.Span); }),
        ["image"] = Expect(data => ImageKernel.Open(data.Span)),
        ["payload"] = Expect(Payload),
        ["cmdline"] = Expect(Cmdline),
        ["startinfo"] = Expect(StartInfoReader),
        ["fdt"] = Expect(data => FdtReader.Read(data.Span)),
        ["kallsyms"] = Expect(data => KallsymsReader.TryRead(data.Span)),
        ["setup"] = Setup,
        ["protocols"] = ProtocolSetupTarget.Run,
        ["x86-real"] = data => X86EngineTarget.Run(X86FuzzMode.Real, data.Span),
        ["x86-protected"] = data => X86EngineTarget.Run(X86FuzzMode.Protected, data.Span),
        ["x86-long"] = data => X86EngineTarget.Run(X86FuzzMode.Long, data.Span),
        ["a64"] = data => A64EngineTarget.Run(false, data.Span),
        ["a64-mmu"] = data => A64EngineTarget.Run(true, data.Span),
    };

    /// <summary>The targets that run guest code on an engine (their seeds are code, see <see cref="FuzzSeeds"/>).</summary>
    public static IReadOnlySet<string> EngineTargets { get; } = new HashSet<string> { "x86-real", "x86-protected", "x86-long", "a64", "a64-mmu" };

    /// <summary>Wraps a target so a <see cref="LoaderException"/> counts as a clean refusal.</summary>
    private static Action<ReadOnlyMemory<byte>> Expect(Action<ReadOnlyMemory<byte>> target) => data =>
    {
        try
        {
            target(data);
        }
        catch (LoaderException)
        {
        }
    };

    private static void Payload(ReadOnlyMemory<byte> data)
    {
        // Both entry points: the codec on raw bytes (any magic at the start), and the extractor on a bzImage.
        if (PayloadCodec.Detect(data.Span) != PayloadCompression.Unknown)
            PayloadCodec.Decompress(data.Span, PayloadLimit);
        else
            VmlinuxExtractor.Extract(data);
    }

    private static void Cmdline(ReadOnlyMemory<byte> data)
    {
        var span = data.Span;
        if (span.Length < 2)
            return;
        var capacity = span[0] | (span[1] << 8);
        var line = KernelCmdline.Parse(Encoding.UTF8.GetString(span[2..]), capacity);
        line.AsCString();
    }

    private static void StartInfoReader(ReadOnlyMemory<byte> data)
    {
        var ram = _startInfo ??= new([new GuestRegion(0, 1 << 20)], 0);
        const ulong At = 0x6000;
        try
        {
            ram.Memory.Write(At, data.Span[..Math.Min(data.Length, (1 << 20) - (int)At)]);
            StartInfo.ReadFrom(ram.Memory, At);
        }
        finally
        {
            ram.Reset();
        }
    }

    /// <summary>
    /// The whole one-call setup on a small guest: only a LoaderException may escape, and a refused load must
    /// leave guest memory as it found it (all zero, as a fresh guest's RAM is). The RAM of each layout is kept
    /// from input to input and only the pages an input wrote are checked and cleared (<see cref="TrackedGuestMemory"/>).
    /// </summary>
    private static void Setup(ReadOnlyMemory<byte> data)
    {
        var ram = ImageDetector.Detect(data.Span) switch
        {
            ImageFormat.Arm64Image or ImageFormat.Arm64ImageGzip => _setupArm64 ??= new([new GuestRegion(0x8000_0000, 64 << 20)], 0),
            ImageFormat.Riscv64Image => _setupRiscv64 ??= new([new GuestRegion(0x4000_0000, 64 << 20)], 0),
            _ => _setupX86 ??= new([new GuestRegion(0, 64 << 20)], 0),
        };
        try
        {
            GuestSetup.Run(ram.Memory, new GuestSetupRequest { Kernel = KernelImage.Parse(data), CommandLine = "console=ttyS0", Initrd = new byte[4096] });
        }
        catch (LoaderException e)
        {
            if (ram.FirstChange() is { } at)
                throw new InvalidOperationException($"failed load ({e.Code}) wrote guest memory at 0x{at:x}", e);
        }
        finally
        {
            ram.Reset();
        }
    }

    [ThreadStatic]
    private static TrackedGuestMemory? _setupX86, _setupArm64, _setupRiscv64, _startInfo;
}
