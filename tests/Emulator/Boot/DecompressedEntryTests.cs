using System.Buffers.Binary;
using LoaderHarness.Emulator.Boot;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Loader.Symbols;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Boot;

/// <summary>Where a bzImage's decompressor may jump into the kernel, from the header's <c>kernel_alignment</c> and <c>pref_address</c> and the symbols' <c>startup_64</c>.</summary>
[TestFixture]
public sealed class DecompressedEntryTests
{
    private const ulong Text = 0xFFFF_FFFF_8100_0000;

    private static byte[] ZeroPage(uint alignment, ulong prefAddress)
    {
        var page = new byte[4096];
        // boot.rst: kernel_alignment at 0x230, pref_address at 0x258.
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(0x230), alignment);
        BinaryPrimitives.WriteUInt64LittleEndian(page.AsSpan(0x258), prefAddress);
        return page;
    }

    private static SymbolTable Symbols(ulong startup64) =>
        new([new KernelSymbol(Text, 'T', "_text"), new KernelSymbol(startup64, 'T', "startup_64"), new KernelSymbol(Text + 0x300_0000, 'T', "start_kernel")]);

    [Test]
    public void A_6_12_kernel_is_entered_at_startup_64_past_text()
    {
        // 6.12's System.map: startup_64 = _text + 0xb53 (phys_startup_64 = 0x1000b53, the vmlinux's e_entry).
        var entry = DecompressedEntry.For(ZeroPage(0x20_0000, 0x100_0000), Symbols(Text + 0xB53));

        entry.EntryOffset.ShouldBe(0xB53UL);
        entry.Alignment.ShouldBe(0x20_0000UL);
        entry.LoadPhysical.ShouldBe(0x100_0000UL);
        entry.Candidates(0x160_0000, _ => true).ShouldBe([0x100_0B53UL, 0x100_0000UL, 0x120_0B53UL, 0x120_0000UL, 0x140_0B53UL, 0x140_0000UL]);
        // The output buffer (where _text lands) of a jump to 0x1A0_0B53 is 0x1A0_0000.
        entry.OutputOf(0x1A0_0B53).ShouldBe(0x1A0_0000UL);
        entry.OutputOf(0x1A0_0000).ShouldBe(0x1A0_0000UL);
    }

    [Test]
    public void A_6_1_kernel_is_entered_at_text()
    {
        var entry = DecompressedEntry.For(ZeroPage(0x20_0000, 0x100_0000), Symbols(Text));

        entry.EntryOffset.ShouldBe(0UL);
        entry.Candidates(0x140_0000, _ => true).ShouldBe([0x100_0000UL, 0x120_0000UL]);
        entry.OutputOf(0x120_0000).ShouldBe(0x120_0000UL);
    }

    [Test]
    public void Candidates_follow_the_header_alignment_and_skip_holes()
    {
        // A 4 MiB CONFIG_PHYSICAL_ALIGN: outputs at 4 MiB multiples from pref_address up; a hole is skipped.
        var entry = DecompressedEntry.For(ZeroPage(0x40_0000, 0x100_0000), Symbols(Text));

        entry.Candidates(0x240_0000, a => a != 0x180_0000).ShouldBe([0x100_0000UL, 0x140_0000UL, 0x1C0_0000UL, 0x200_0000UL]);
    }

    [Test]
    public void A_header_without_alignment_or_pref_address_falls_back_to_the_x86_64_defaults()
    {
        // A lowered or missing kernel_alignment still means 2 MiB: __startup_64 spins on a load_delta that is not
        // PMD-aligned (arch/x86/kernel/head64.c); LOAD_PHYSICAL_ADDR defaults to CONFIG_PHYSICAL_START (16 MiB).
        var entry = DecompressedEntry.For(ZeroPage(0x1000, 0), Symbols(Text));

        entry.Alignment.ShouldBe(DecompressedEntry.DefaultAlignment);
        entry.LoadPhysical.ShouldBe(DecompressedEntry.DefaultLoadPhysical);
    }

    [Test]
    public void A_startup_64_far_from_text_is_not_taken_as_the_entry_offset()
    {
        var entry = DecompressedEntry.For(ZeroPage(0x20_0000, 0x100_0000), Symbols(Text + 0x40_0000));

        entry.EntryOffset.ShouldBe(0UL);
    }
}

