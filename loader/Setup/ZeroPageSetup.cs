using LoaderHarness.Loader.Boot.ZeroPage;

namespace LoaderHarness.Loader.Setup;

/// <summary>
/// The 64- and 32-bit boot protocols' structure: <c>boot_params</c> (the zero page) with the kernel's setup
/// header, e820 and the loader's fields, plus a setup_data chain for what does not fit (linux-loader
/// configurator/x86_64/linux.rs; boot.rst "64-bit BOOT PROTOCOL" / "32-bit BOOT PROTOCOL").
/// </summary>
internal static class ZeroPageSetup
{
    public static X86BootStructure Add(X86BootInputs inputs)
    {
        var (request, layout, plan, map) = (inputs.Request, inputs.Layout, inputs.Plan, inputs.MemoryMap);
        var zeroPageMap = map.Take(BootParamsLayout.E820MaxEntries).ToArray();
        var chain = new SetupDataChain();
        if (map.Count > zeroPageMap.Length)
            chain.AddE820(map.Skip(zeroPageMap.Length).ToArray());
        if (request.RngSeed is { Length: > 0 } seed)
            chain.Add(SetupDataType.RngSeed, seed);
        ulong chainAddress = 0;
        if (!chain.IsEmpty)
        {
            // Past the bytes the kernel reads from the command line, 8-byte aligned (struct setup_data holds u64s).
            chainAddress = (layout.CommandLine + Math.Max(layout.CommandLineReadSize, (ulong)inputs.CommandLine.Length) + 7) & ~7UL;
            plan.Add("setup_data", chainAddress, chain.Build(chainAddress));
        }
        var zeroPage = ZeroPageBuilder.Build(new ZeroPageSpec
        {
            Header = inputs.Kernel.Header,
            HeaderEnd = inputs.Kernel.HeaderEnd,
            TypeOfLoader = request.TypeOfLoader,
            CommandLineAddress = layout.CommandLine,
            InitrdAddress = inputs.Initrd?.Address ?? 0,
            InitrdSize = inputs.Initrd?.Size ?? 0,
            E820 = zeroPageMap,
            AcpiRsdpAddress = request.AcpiRsdpAddress,
            SetupDataAddress = chainAddress,
        });
        plan.Add("zero page", layout.ZeroPage, zeroPage);
        return new X86BootStructure(layout.ZeroPage, zeroPage);
    }
}
