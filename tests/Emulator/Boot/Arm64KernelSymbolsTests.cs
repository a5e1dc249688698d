using System.Buffers.Binary;
using LoaderHarness.Emulator.Boot;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Boot;

/// <summary>kallsyms recovered from Debian's arm64 Image (fetched by fixtures/fetch-debian-kernels.sh arm64).</summary>
[TestFixture]
[Category("Slow")]
public class Arm64KernelSymbolsTests
{
    private static Arm64KernelSymbols? _symbols;

    private static Arm64KernelSymbols Symbols => _symbols ??= Arm64KernelSymbols.TryRecover(DebianArm64Kernel.Image()).ShouldNotBeNull();

    [Test]
    public void Recovers_the_code_symbols()
    {
        Symbols.Symbols.Count.ShouldBeGreaterThan(20_000);
        foreach (var name in new[] { "primary_entry", "preserve_boot_args", "__primary_switched", "start_kernel", "setup_arch", "rest_init", "panic" })
            Symbols.OffsetOf(name).ShouldNotBeNull(name);
    }

    [Test]
    public void Primary_entry_is_where_the_header_branches()
    {
        // booting.rst §3: code1 at offset 4 is "b primary_entry" (imm26 in words).
        var code1 = BinaryPrimitives.ReadUInt32LittleEndian(DebianArm64Kernel.Image().AsSpan(4));
        var target = 4 + (ulong)(((int)(code1 << 6)) >> 4);
        Symbols.OffsetOf("primary_entry").ShouldBe(target);
        Symbols.Describe(target + 8).ShouldBe("primary_entry+0x8");
    }

    [Test]
    public void Link_address_is_kimage_vaddr()
    {
        // 4 KiB pages, 48-bit VA: KIMAGE_VADDR = MODULES_END = _PAGE_END(48) + 128 MiB (arch/arm64/include/asm/memory.h).
        Symbols.LinkAddress.ShouldBe(0xFFFF_8000_0800_0000UL);
    }

    [Test]
    public void Returns_null_without_kallsyms()
    {
        var image = File.ReadAllBytes(Path.Combine(DebianKernel.RepositoryRoot(), "fixtures", "generated", "arm64", "arm64-stub.Image"));
        Arm64KernelSymbols.TryRecover(image).ShouldBeNull();
    }
}
