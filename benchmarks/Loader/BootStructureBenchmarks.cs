using BenchmarkDotNet.Attributes;
using LoaderHarness.Loader.Boot.Fdt;
using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Loader.Boot.Pvh;
using LoaderHarness.Loader.Boot.ZeroPage;
using LoaderHarness.Loader.Cmdline;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Memory;
using LoaderHarness.Loader.Setup;

namespace LoaderHarness.Benchmarks.Loader;

/// <summary>
/// The boot structures a VMM builds per guest: the command line (linux-loader's validations, then written to
/// guest memory), the zero page, start_info with its memmap, an arm64 DTB, and the one-call guest setup
/// with Debian's real kernels (bzImage 64-bit, vmlinux PVH). Needs fixtures/kernels/amd64.
/// </summary>
[MemoryDiagnoser]
public class BootStructureBenchmarks
{
    private GuestMemory _memory = null!;
    private byte[] _bzImage = null!;
    private byte[] _vmlinux = null!;
    private SetupHeader _header;
    private IReadOnlyList<MemoryMapEntry> _map = null!;

    [GlobalSetup]
    public void Setup()
    {
        _memory = GuestMemory.Flat(1UL << 30);
        _bzImage = File.ReadAllBytes(KernelFiles.Require("fixtures/kernels/amd64/vmlinuz"));
        _vmlinux = File.ReadAllBytes(KernelFiles.Require("fixtures/kernels/amd64/vmlinux"));
        _header = BzImageKernel.Parse(_bzImage).Header;
        _map = MemoryMapBuilder.ForX86(_memory);
    }

    [GlobalCleanup]
    public void Cleanup() => _memory.Dispose();

    /// <summary>A Firecracker-like command line built key by key, validated and written with its NUL.</summary>
    [Benchmark]
    public int CommandLine()
    {
        var cmdline = new KernelCmdline(2048);
        cmdline.InsertString("console=ttyS0 reboot=k panic=1 pci=off");
        cmdline.Insert("root", "/dev/vda");
        cmdline.InsertMultiple("rootflags", "rw", "noatime");
        cmdline.AddVirtioMmioDevice(0x1000, 0xD000_0000, 5);
        cmdline.InsertInitArgs("--verbose");
        return CmdlineWriter.Write(_memory, 0x2_0000, cmdline, 2048);
    }

    /// <summary>boot_params from the real kernel's header with an e820 table.</summary>
    [Benchmark]
    public byte[] ZeroPage() => ZeroPageBuilder.Build(new ZeroPageSpec
    {
        Header = _header,
        HeaderEnd = _header.HeaderEnd,
        TypeOfLoader = 0xFF,
        CommandLineAddress = 0x2_0000,
        E820 = _map,
    });

    /// <summary>hvm_start_info, memmap and modlist written to guest memory.</summary>
    [Benchmark]
    public void StartInfo() => new StartInfo
    {
        CommandLineAddress = 0x2_0000,
        MemmapAddress = 0x7000,
        Memmap = _map,
        ModlistAddress = 0x6040,
        Modules = [new PvhModule(0x3000_0000, 0x10_0000)],
    }.WriteTo(_memory, 0x6000);

    /// <summary>An arm64 virt DTB: memory, CPUs, GIC, timer, PSCI, /chosen with bootargs and initrd.</summary>
    [Benchmark]
    public byte[] DeviceTree() => FdtBuilder.Build(new FdtGuestDescription
    {
        Architecture = FdtArchitecture.Arm64,
        Memory = [new FdtRegion(0x8000_0000, 1UL << 30)],
        CpuCount = 2,
        Bootargs = "console=ttyAMA0 reboot=k panic=1",
        Initrd = new FdtRegion(0xB000_0000, 0x10_0000),
    });

    /// <summary>The one-call setup of the real bzImage for the 64-bit entry (kernel, command line, zero page).</summary>
    [Benchmark]
    public ulong GuestSetupBzImage() => GuestSetup.Run(_memory, new GuestSetupRequest { Kernel = KernelImage.Parse(_bzImage), CommandLine = "console=ttyS0" }).Entry;

    /// <summary>The one-call setup of the real vmlinux for PVH (kernel, command line, start_info, memmap).</summary>
    [Benchmark]
    public ulong GuestSetupPvh() => GuestSetup.Run(_memory, new GuestSetupRequest { Kernel = KernelImage.Parse(_vmlinux), CommandLine = "console=ttyS0" }).Entry;
}
