using LoaderHarness.Loader.Setup;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Setup;

/// <summary>
/// qboot's PVH memmap and command-line addresses (malloc.c, main.c extract_e820, fw_cfg.c boot_pvh_from_fw_cfg) worked
/// through by hand; QemuBootParamsTests checks the command line's against QEMU 7.2 at 512 MiB and 5 GiB.
/// </summary>
[TestFixture]
public sealed class QbootPvhBuffersTests
{
    [Test]
    public void With_512_mib_they_are_where_qemu_hands_them_over()
    {
        // 5 entries + qboot's zero one: e820 (0xf0000 - 124) & -16 = 0xeff80; "console=ttyS0 nokaslr" + NUL (22 bytes):
        // 0xeff60; memmap (0xeff60 - 6 × 24) & -16 = 0xefed0.
        QbootPvhBuffers.For(5, 22).ShouldBe((0xE_FED0UL, 0xE_FF60UL));
    }

    [Test]
    public void With_5_gib_the_entry_at_4_gib_moves_both_down()
    {
        // 7 entries: e820 0xeff70, command line (0xeff70 - 22) & -16 = 0xeff50 (QEMU 7.2 -m 5G), memmap (0xeff50 - 168) & -16.
        QbootPvhBuffers.For(6, 22).ShouldBe((0xE_FEA0UL, 0xE_FF50UL));
    }

    [Test]
    public void Below_qemus_acpi_tables_both_start_from_the_blobs_start()
    {
        // microvm with ACPI: qboot took 0xefd00-0xeffff for QEMU's tables first; e820 (0xefd00 - 124) & -16 = 0xefc80, the
        // command line 0xefc60, the memmap (0xefc60 - 144) & -16 = 0xefbd0, as QEMU 7.2 -M microvm hands them over.
        QbootPvhBuffers.For(5, 22, 0xE_FD00).ShouldBe((0xE_FBD0UL, 0xE_FC60UL));
    }

    [Test]
    public void A_longer_command_line_goes_lower()
    {
        var (memmap, commandLine) = QbootPvhBuffers.For(5, 100);
        commandLine.ShouldBe((0xE_FF80UL - 100) & ~0xFUL);
        (commandLine % 16).ShouldBe(0UL);
        memmap.ShouldBe((commandLine - (6 * 24)) & ~0xFUL);
    }
}
