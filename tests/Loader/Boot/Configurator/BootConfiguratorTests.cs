using LoaderHarness.Loader.Boot.Configurator;
using LoaderHarness.Loader.Boot.Pvh;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Memory;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Boot.Configurator;

/// <summary>
/// linux-loader v0.14's configurator tests: <c>test_configure_linux_boot</c>, <c>test_configure_pvh_boot</c>,
/// <c>test_configure_fdt_boot</c> and the four <c>test_error_messages</c> (configurator/mod.rs, x86_64/linux.rs,
/// x86_64/pvh.rs, fdt.rs) with their exact strings; plus the write failures the peer cannot reach in a test.
/// </summary>
[TestFixture]
public sealed class BootConfiguratorTests
{
    // linux-loader tests: MEM_SIZE = 0x100_0000, one region at 0; last_addr = MEM_SIZE - 1.
    private const ulong MemSize = 0x100_0000;
    private const ulong LastAddr = MemSize - 1;
    private GuestMemory _memory = null!;

    [SetUp]
    public void SetUp() => _memory = GuestMemory.Flat(MemSize);

    [TearDown]
    public void TearDown() => _memory.Dispose();

    private static BootConfiguratorFailure FailureOf(Action action) => Should.Throw<BootConfiguratorException>(action).Failure;

    [Test]
    public void Test_configure_linux_boot_rejects_a_zero_page_past_ram_end_and_writes_one_inside()
    {
        var zeroPage = new byte[4096];
        zeroPage[0x1FE] = 0x55; // hdr.boot_flag 0xAA55 (bootparam.h), as build_bootparams_common sets
        zeroPage[0x1FF] = 0xAA;
        var bootparams = new BootParams(zeroPage, LastAddr - 4096 + 1);
        FailureOf(() => LinuxBootConfigurator.WriteBootParams(bootparams, _memory)).ShouldBe(BootConfiguratorFailure.ZeroPagePastRamEnd);
        bootparams.HeaderStart = 0x3_0000;
        LinuxBootConfigurator.WriteBootParams(bootparams, _memory);
        _memory.ReadU16(0x3_0000 + 0x1FE).ShouldBe((ushort)0xAA55);
    }

    [Test]
    public void Test_configure_pvh_boot_checks_memmap_start_info_and_modules()
    {
        var (startInfo, memmap, modlist) = PvhCommon();
        var bootParams = new BootParams(startInfo, 0x6000);

        // Error case: configure without memory map.
        FailureOf(() => PvhBootConfigurator.WriteBootParams(bootParams, _memory)).ShouldBe(BootConfiguratorFailure.MemmapTableMissing);

        // Error case: start_info doesn't fit in guest memory.
        bootParams.SetSections<byte>(memmap, 0x7000);
        bootParams.HeaderStart = LastAddr - StartInfoLayout.Size + 1;
        FailureOf(() => PvhBootConfigurator.WriteBootParams(bootParams, _memory)).ShouldBe(BootConfiguratorFailure.StartInfoPastRamEnd);

        // Error case: memory map doesn't fit in guest memory.
        bootParams.HeaderStart = 0x10_0000;
        bootParams.SetSections<byte>(memmap, LastAddr - StartInfoLayout.MemmapEntrySize + 1);
        FailureOf(() => PvhBootConfigurator.WriteBootParams(bootParams, _memory)).ShouldBe(BootConfiguratorFailure.MemmapTablePastRamEnd);

        bootParams.SetSections<byte>(memmap, 0x7000);
        bootParams.SetModules<byte>(modlist, 0x6040);
        PvhBootConfigurator.WriteBootParams(bootParams, _memory);
        _memory.ReadU32(0x10_0000).ShouldBe(StartInfoLayout.Magic);
        _memory.ReadU64(0x6040).ShouldBe(0x1_0000UL);
    }

    [Test]
    public void Test_configure_fdt_boot_rejects_a_dtb_past_ram_end()
    {
        // FDT_MAX_SIZE = 0x20 in the peer's test.
        var fdt = new byte[0x20];
        FailureOf(() => FdtBootConfigurator.WriteBootParams(new BootParams(fdt, LastAddr - 0x20 + 1), _memory)).ShouldBe(BootConfiguratorFailure.FdtPastRamEnd);
        FdtBootConfigurator.WriteBootParams(new BootParams(fdt, LastAddr - 0x20), _memory);
    }

    [Test]
    public void Pvh_addresses_missing_are_their_own_errors()
    {
        var (startInfo, memmap, modlist) = PvhCommon();
        var bootParams = new BootParams(startInfo, 0x6000);
        // A section added without any start address never gets one: MissingStartAddress from BootParams itself.
        FailureOf(() => bootParams.AddSection<byte>(1)).ShouldBe(BootConfiguratorFailure.MissingStartAddress);
        FailureOf(() => PvhBootConfigurator.WriteBootParams(bootParams, _memory)).ShouldBe(BootConfiguratorFailure.MemmapTableAddressMissing);
        bootParams.SetSections<byte>(memmap, 0x7000);
        FailureOf(() => bootParams.AddModule<byte>(1)).ShouldBe(BootConfiguratorFailure.MissingStartAddress);
        FailureOf(() => PvhBootConfigurator.WriteBootParams(bootParams, _memory)).ShouldBe(BootConfiguratorFailure.ModulesAddressMissing);
        _ = modlist;
    }

    [Test]
    public void Writes_crossing_a_hole_are_the_setup_errors_and_write_nothing()
    {
        // RAM [0, 0x10000) and [0x20000, 0x30000): ranges ending in RAM but crossing the hole cannot be written.
        using var memory = new GuestMemory([new GuestRegion(0, 0x1_0000), new GuestRegion(0x2_0000, 0x1_0000)]);
        var (startInfo, memmap, modlist) = PvhCommon();
        var across = 0x1_0000UL - 8;
        var bp = new BootParams(new byte[0x1_0010], across);
        FailureOf(() => LinuxBootConfigurator.WriteBootParams(bp, memory)).ShouldBe(BootConfiguratorFailure.ZeroPageSetup);
        FailureOf(() => FdtBootConfigurator.WriteBootParams(bp, memory)).ShouldBe(BootConfiguratorFailure.WriteFdtToMemory);

        var pvh = new BootParams(startInfo, 0x6000);
        pvh.SetSections<byte>(new byte[0x1_0010], across);
        FailureOf(() => PvhBootConfigurator.WriteBootParams(pvh, memory)).ShouldBe(BootConfiguratorFailure.MemmapTableSetup);
        pvh.SetSections<byte>(memmap, 0x7000);
        pvh.Header = new byte[0x1_0010];
        pvh.HeaderStart = across;
        FailureOf(() => PvhBootConfigurator.WriteBootParams(pvh, memory)).ShouldBe(BootConfiguratorFailure.StartInfoSetup);
        pvh.Header = startInfo;
        pvh.HeaderStart = 0x6000;
        pvh.SetModules<byte>(modlist, 0x1_8000);
        FailureOf(() => PvhBootConfigurator.WriteBootParams(pvh, memory)).ShouldBe(BootConfiguratorFailure.ModulesSetup);
        // All checked before any write: the memory map the peer would already have written is not there.
        memory.ReadU64(0x7000).ShouldBe(0UL);
    }

    [Test]
    public void Test_error_messages_of_the_configurator()
    {
        // configurator/mod.rs test_error_messages: the wrapping Display of each configurator's errors, and BootParams' own.
        Summary(BootConfiguratorFailure.ZeroPagePastRamEnd).ShouldBe("Boot Configurator: failed to configure boot parameter by Linux Boot protocol.");
        Summary(BootConfiguratorFailure.ZeroPageSetup).ShouldBe("Boot Configurator: failed to configure boot parameter by Linux Boot protocol.");
        Summary(BootConfiguratorFailure.MemmapTableMissing).ShouldBe("Boot Configurator: failed to configure boot parameter by PVH.");
        Summary(BootConfiguratorFailure.MemmapTablePastRamEnd).ShouldBe("Boot Configurator: failed to configure boot parameter by PVH.");
        Summary(BootConfiguratorFailure.MemmapTableSetup).ShouldBe("Boot Configurator: failed to configure boot parameter by PVH.");
        Summary(BootConfiguratorFailure.StartInfoPastRamEnd).ShouldBe("Boot Configurator: failed to configure boot parameter by PVH.");
        Summary(BootConfiguratorFailure.StartInfoSetup).ShouldBe("Boot Configurator: failed to configure boot parameter by PVH.");
        Summary(BootConfiguratorFailure.WriteFdtToMemory).ShouldBe("Boot Configurator: failed to configure boot parameter by FDT.");
        Message(BootConfiguratorFailure.MissingStartAddress).ShouldBe("Boot Configurator: boot parameter was specified without its starting address in guest memory.");
        Message(BootConfiguratorFailure.Overflow).ShouldBe("Boot Configurator: boot parameter address overflows.");
        Message(BootConfiguratorFailure.InvalidAddress).ShouldBe("Boot Configurator: boot parameter address precedes the starting address.");
    }

    [Test]
    public void Test_error_messages_of_the_linux_boot_configurator()
    {
        // configurator/x86_64/linux.rs test_error_messages.
        Message(BootConfiguratorFailure.ZeroPagePastRamEnd).ShouldBe("Linux Boot Configurator: the zero page extends past the end of guest memory.");
        Message(BootConfiguratorFailure.ZeroPageSetup).ShouldBe("Linux Boot Configurator: error writing to the zero page of guest memory.");
    }

    [Test]
    public void Test_error_messages_of_the_pvh_boot_configurator()
    {
        // configurator/x86_64/pvh.rs test_error_messages.
        Message(BootConfiguratorFailure.MemmapTableMissing).ShouldBe("PVH Boot Configurator: no memory map was passed to the boot configurator.");
        Message(BootConfiguratorFailure.MemmapTablePastRamEnd).ShouldBe("PVH Boot Configurator: the memory map table extends past the end of guest memory.");
        Message(BootConfiguratorFailure.MemmapTableSetup).ShouldBe("PVH Boot Configurator: error writing memory map table to guest memory.");
        Message(BootConfiguratorFailure.StartInfoPastRamEnd).ShouldBe("PVH Boot Configurator: the hvm_start_info structure extends past the end of guest memory.");
        Message(BootConfiguratorFailure.StartInfoSetup).ShouldBe("PVH Boot Configurator: error writing hvm_start_info to guest memory.");
    }

    [Test]
    public void Test_error_messages_of_the_fdt_boot_configurator()
    {
        // configurator/fdt.rs test_error_messages.
        Message(BootConfiguratorFailure.FdtPastRamEnd).ShouldBe("Device Tree Boot Configurator: FDT does not fit in guest memory.");
        Message(BootConfiguratorFailure.WriteFdtToMemory).ShouldBe("Device Tree Boot Configurator: error writing FDT in guest memory.");
    }

    [TestCase(BootConfiguratorFailure.ZeroPagePastRamEnd, LoaderError.BootStructurePastRamEnd)]
    [TestCase(BootConfiguratorFailure.ZeroPageSetup, LoaderError.BootStructureSetup)]
    [TestCase(BootConfiguratorFailure.MemmapTableSetup, LoaderError.MemmapTableSetup)]
    [TestCase(BootConfiguratorFailure.StartInfoSetup, LoaderError.StartInfoSetup)]
    [TestCase(BootConfiguratorFailure.ModulesSetup, LoaderError.ModulesSetup)]
    [TestCase(BootConfiguratorFailure.WriteFdtToMemory, LoaderError.WriteFdtToMemory)]
    [TestCase(BootConfiguratorFailure.MissingStartAddress, LoaderError.MissingStartAddress)]
    [TestCase(BootConfiguratorFailure.Overflow, LoaderError.BootParameterOverflow)]
    [TestCase(BootConfiguratorFailure.InvalidAddress, LoaderError.InvalidAddress)]
    public void Each_failure_carries_its_loader_error_code(BootConfiguratorFailure failure, LoaderError code) =>
        new BootConfiguratorException(failure).Code.ShouldBe(code);

    [Test]
    public void Every_failure_has_a_message_and_a_code() =>
        Enum.GetValues<BootConfiguratorFailure>().ShouldAllBe(f => new BootConfiguratorException(f, null).Message.Length > 0);

    private static string Message(BootConfiguratorFailure failure) => new BootConfiguratorException(failure).Message;

    private static string Summary(BootConfiguratorFailure failure) => new BootConfiguratorException(failure).Summary;

    // build_bootparams_common: start_info magic/version 1; one memmap entry {addr 0x7000, size 0, E820_RAM};
    // one modlist entry {paddr 0x10000, size 0x100}.
    private static (byte[] StartInfo, byte[] Memmap, byte[] Modlist) PvhCommon()
    {
        var startInfo = new byte[StartInfoLayout.Size];
        BitConverter.GetBytes(StartInfoLayout.Magic).CopyTo(startInfo, 0);
        BitConverter.GetBytes(1u).CopyTo(startInfo, StartInfoLayout.Version);
        var memmap = new byte[StartInfoLayout.MemmapEntrySize];
        BitConverter.GetBytes(0x7000UL).CopyTo(memmap, 0);
        BitConverter.GetBytes(1u).CopyTo(memmap, 16);
        var modlist = new byte[StartInfoLayout.ModlistEntrySize];
        BitConverter.GetBytes(0x1_0000UL).CopyTo(modlist, 0);
        BitConverter.GetBytes(0x100UL).CopyTo(modlist, 8);
        return (startInfo, memmap, modlist);
    }
}
