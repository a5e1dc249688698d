using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Images.Elf;
using LoaderHarness.Loader.Images.Image;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Fuzz;

/// <summary>
/// Each image loader and the one-call guest setup at an explicit protocol. Input: a selector byte
/// (<see cref="Steps"/>, modulo their count), then the image. The contract: a result or a
/// <see cref="LoaderException"/>, and on a refusal guest memory exactly as it was. Guest RAM is filled with a
/// pattern first, so a failed load that writes zeros (a cleared zero page) is caught too. The RAM is kept from
/// input to input; only the pages an input wrote are checked and refilled (<see cref="TrackedGuestMemory"/>).
/// </summary>
public static class ProtocolSetupTarget
{
    /// <summary>What the selector byte picks.</summary>
    public static readonly string[] Steps = ["linux16", "linux32", "linux64", "pvh", "auto", "bzimage-load", "elf-load", "image-load"];

    private const byte Pattern = 0xA5;
    private const ulong RamSize = 32 << 20;
    private const ulong Arm64RamBase = 0x4000_0000; // QEMU virt's RAM base (hw/arm/virt.c, VIRT_MEM)

    [ThreadStatic]
    private static TrackedGuestMemory? _x86, _arm64;

    /// <summary>Runs one input; throws <see cref="FuzzContractException"/> on a broken contract.</summary>
    public static void Run(ReadOnlyMemory<byte> input)
    {
        if (input.Length < 2)
            return;
        var step = Steps[input.Span[0] % Steps.Length];
        var image = input[1..];
        var arm64 = step == "image-load" || (ImageDetector.Detect(image.Span) is ImageFormat.Arm64Image or ImageFormat.Arm64ImageGzip);
        var ram = arm64
            ? _arm64 ??= new([new GuestRegion(Arm64RamBase, RamSize)], Pattern)
            : _x86 ??= new([new GuestRegion(0, RamSize)], Pattern);
        try
        {
            Load(step, ram.Memory, image);
        }
        catch (LoaderException e)
        {
            if (ram.FirstChange() is { } address)
                throw new FuzzContractException($"{step}: a failed load ({e.Code}) wrote guest memory at 0x{address:x}");
        }
        finally
        {
            ram.Reset(); // back to the pattern for the next input
        }
    }

    private static void Load(string step, GuestMemory memory, ReadOnlyMemory<byte> image)
    {
        var ram = memory.Regions[0].Start;
        switch (step)
        {
            case "bzimage-load":
                BzImageKernel.Load(memory, image.Span);
                return;
            case "elf-load":
                ElfKernel.Load(memory, image.Span);
                return;
            case "image-load":
                ImageKernel.Load(memory, image.Span, ram);
                return;
        }
        var protocol = step switch
        {
            "linux16" => BootProtocol.Linux16,
            "linux32" => BootProtocol.Linux32,
            "linux64" => BootProtocol.Linux64,
            "pvh" => BootProtocol.Pvh,
            _ => BootProtocol.Auto,
        };
        GuestSetup.Run(memory, new GuestSetupRequest
        {
            Kernel = KernelImage.Parse(image),
            CommandLine = "console=ttyS0",
            Initrd = new byte[4096],
            Protocol = protocol,
        });
    }
}
